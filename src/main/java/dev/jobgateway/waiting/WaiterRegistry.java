package dev.jobgateway.waiting;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;

/**
 * The instance's waiters keyed by job id: the seed article's {@code waitingTasks} map, with its "delete from the
 * map" rule enforced by {@link Waits} on every way a wait ends (answer, timeout, client gone). With each job's
 * waiters goes the read they share ({@link #shared}): a change wakes every waiter of the job, and they all take the
 * answer of one Redis read instead of sending one each.
 */
@ApplicationScoped
public class WaiterRegistry {

    private final ConcurrentHashMap<String, KeyWaiters> byKey = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();
    /** Counts the notices (and wake-ups of everyone) this instance has had: the order of reads and notices. */
    private final AtomicLong notices = new AtomicLong();
    /** The count when every waiter was last woken (a resubscribed feed): no read from before then is shared. */
    private volatile long everyoneWokenAt;

    /** The waiters of one job, when the job was last announced changed, and the latest read of it they may share. */
    private static final class KeyWaiters {
        final Set<Waiter> waiters = ConcurrentHashMap.newKeySet();
        volatile long lastNotice;
        volatile SharedRead latest;

        KeyWaiters(long now) {
            this.lastNotice = now;
        }
    }

    /** One read of a job, sent when the notice count was {@code sentAt}, for every waiter it can answer. */
    private static final class SharedRead {
        final long sentAt;
        final Uni<Object> answer;
        /** System.nanoTime() when it answered, 0 while in flight. */
        volatile long answeredAt;
        volatile boolean failed;

        SharedRead(long sentAt, Uni<?> read) {
            this.sentAt = sentAt;
            this.answer = read.onItemOrFailure().invoke((item, failure) -> {
                failed = failure != null;
                answeredAt = System.nanoTime() | 1;
            }).map(item -> (Object) item).memoize().indefinitely();
        }
    }

    Waiter register(Set<String> keys) {
        return register(keys, null);
    }

    /** A waiter whose wake-ups call {@code listener}; one with a listener is a watch, not a held read (not counted). */
    Waiter register(Set<String> keys, Runnable listener) {
        Waiter waiter = new Waiter(keys, listener);
        for (String key : keys) {
            // compute, not computeIfAbsent + add: a concurrent remove must not drop the set we add to.
            byKey.compute(key, (k, entry) -> {
                KeyWaiters waiters = entry == null ? new KeyWaiters(notices.get()) : entry;
                waiters.waiters.add(waiter);
                return waiters;
            });
        }
        if (listener == null) {
            size.incrementAndGet();
        }
        return waiter;
    }

    void remove(Waiter waiter) {
        if (!waiter.removed.compareAndSet(false, true)) {
            return;
        }
        for (String key : waiter.keys) {
            byKey.computeIfPresent(key, (k, entry) -> {
                entry.waiters.remove(waiter);
                return entry.waiters.isEmpty() ? null : entry;
            });
        }
        if (waiter.listener == null) {
            size.decrementAndGet();
        }
    }

    void wake(String key) {
        long notice = notices.incrementAndGet();
        KeyWaiters entry = byKey.get(key);
        if (entry != null) {
            // Before the waiters wake: the reads they start now are the first ones they may share.
            entry.lastNotice = notice;
            entry.waiters.forEach(Waiter::wake);
        }
    }

    /** After notices may have been lost: every waiter re-reads. */
    void wakeAll() {
        everyoneWokenAt = notices.incrementAndGet();
        byKey.values().forEach(entry -> entry.waiters.forEach(Waiter::wake));
    }

    /**
     * The job's record for one of its waiters: the answer of the read another waiter of the job started, if that read
     * was sent after the last notice of a change to the job (and after the last time everyone was woken), so it shows
     * everything the waiter was woken for; a change announced after it wakes the waiter again. A read that has
     * answered is shared for {@code answeredWithin} more (zero: only while in flight), never after a failure. Without
     * such a read, {@code read} is sent and becomes the one to share. Meant for waiters only: a read that is not
     * held has no notice to come after a change it missed.
     */
    @SuppressWarnings("unchecked")
    <T> Uni<T> shared(String key, long answeredWithinNanos, Supplier<Uni<T>> read) {
        KeyWaiters entry = byKey.get(key);
        if (entry == null) {
            return read.get();
        }
        SharedRead latest = entry.latest;
        if (latest != null && latest.sentAt >= entry.lastNotice && latest.sentAt >= everyoneWokenAt
                && (latest.answeredAt == 0
                        || (!latest.failed && System.nanoTime() - latest.answeredAt < answeredWithinNanos))) {
            return (Uni<T>) latest.answer;
        }
        // The count is taken before the read is sent: a notice counted after it may or may not be in its answer,
        // and is not treated as being in it.
        SharedRead fresh = new SharedRead(notices.get(), read.get());
        entry.latest = fresh;
        return (Uni<T>) fresh.answer;
    }

    /** Waits held right now. */
    public int size() {
        return size.get();
    }

    /** Distinct job ids waited on right now. */
    public int keys() {
        return byKey.size();
    }
}
