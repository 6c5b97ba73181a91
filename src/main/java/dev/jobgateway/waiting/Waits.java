package dev.jobgateway.waiting;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import dev.jobgateway.metrics.Meters;
import dev.jobgateway.metrics.Meters.WaitResult;
import dev.jobgateway.platform.GatewayConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Holds a request until what it reads satisfies it or its time is up, woken by the {@link ChangeFeed} when any
 * instance changes one of the jobs it waits on. Register, then read: a change between the two is never missed. The
 * first read never waits for the feed (a finished job is answered at once, whatever the feed is doing); only what
 * happens after it depends on the feed, and while the feed is down, waits re-read Redis every second instead. A
 * periodic re-read also ends waits whose notice was lost, and drives the upstream fallback of stuck jobs.
 * <p>
 * The waiters of one job share their reads of it ({@link KeyReads}): ten thousand held reads of one job cost one Redis
 * read when it changes, not ten thousand (docs/waiting.md).
 */
@ApplicationScoped
public class Waits {

    /** How often a wait re-reads while the change feed is (re)connecting and notices may be missed. */
    private static final Duration FEED_DOWN_REREAD = Duration.ofSeconds(1);

    private static final long MILLISECOND = Duration.ofMillis(1).toNanos();

    /**
     * How long a read that has answered still answers other waiters of its job while the feed is subscribed (no
     * notice since means no change since): long enough to cover waking thousands of waiters of one job, far shorter
     * than any re-read interval. While the feed is down only a read still in flight is shared.
     */
    static final Duration SHARED_AFTER_ANSWER = Duration.ofMillis(500);

    private final ChangeFeed feed;
    private final WaiterRegistry registry;
    private final Duration reread;
    private final Duration feedDownReread;
    private final Meters meters;

    Waits(ChangeFeed feed, WaiterRegistry registry, Meters meters, GatewayConfig config) {
        this.meters = meters;
        this.feed = feed;
        this.registry = registry;
        this.reread = config.waits().safetyReread();
        this.feedDownReread = reread.compareTo(FEED_DOWN_REREAD) < 0 ? reread : FEED_DOWN_REREAD;
    }

    /**
     * The records of a held read, shared with the other waiters of each job, handed to this one on {@code context}
     * (its request's, when it has one): the answer of a read thousands share arrives on the one event loop of the
     * Redis connection, which would otherwise run every waiter's answer (and the JSON it writes) before reading
     * anything else from Redis.
     */
    private KeyReads sharedOn(Context context) {
        return new KeyReads() {
            @Override
            public <T> Uni<T> read(String key, Supplier<Uni<T>> read) {
                Uni<T> answer = registry.shared(key, feed.subscribed() ? SHARED_AFTER_ANSWER.toNanos() : 0, read);
                return context == null ? answer : answer.emitOn(task -> context.runOnContext(ignored -> task.run()));
            }
        };
    }

    /**
     * Reads until {@code done} accepts the value or {@code wait} is over, then answers the last value read.
     *
     * @param keys the job ids whose changes should trigger a re-read
     * @param read a read of the keys, which reads each job's record through the {@link KeyReads} it is given: shared
     *        with the job's other waiters while this one is held
     */
    public <T> Uni<T> until(Set<String> keys, Duration wait, Function<KeyReads, Uni<T>> read, Predicate<T> done) {
        return until(keys, wait, read, done, done, value -> Optional.empty());
    }

    /**
     * As {@link #until(Set, Duration, Function, Predicate)}. {@code terminal} tells the meter a wait that ended because
     * what it read is final from one that ended on a change. The wait re-reads sooner when {@code readAgainWithin}
     * says so for the value just read: for a job whose AI server sends no webhooks, the re-read is what polls it, so
     * the wait must come back by the time the next poll is due.
     */
    public <T> Uni<T> until(Set<String> keys, Duration wait, Function<KeyReads, Uni<T>> read, Predicate<T> done,
            Predicate<T> terminal, Function<T, Optional<Duration>> readAgainWithin) {
        if (wait.isZero() || wait.isNegative()) {
            return read.apply(KeyReads.EACH_ITS_OWN);
        }
        return Uni.createFrom().deferred(() -> {
            long deadline = System.nanoTime() + wait.toNanos();
            // Registered before the first read: a notice for a change that read does not see wakes it. The feed
            // wakes every waiter once it (re)subscribes, which covers notices sent before it was live.
            Waiter waiter = registry.register(keys);
            feed.open();
            boolean[] satisfied = new boolean[1];
            KeyReads shared = sharedOn(Vertx.currentContext());
            return readUntil(waiter, deadline, read, shared, value -> satisfied[0] = done.test(value),
                    readAgainWithin)
                    .invoke(value -> observe(waiter, satisfied[0], satisfied[0] && terminal.test(value)))
                    .onCancellation().invoke(() -> meters.waitEnded(WaitResult.CLIENT_GONE))
                    .onTermination().invoke(() -> registry.remove(waiter));
        });
    }

    /** A standing interest in one job's changes, until closed. */
    public interface Watch {
        void close();
    }

    /**
     * Calls {@code onChange} after every announced change of job {@code key}, and whenever notices may have been lost
     * (the feed subscribed again), until the watch is closed: the realtime endpoint's one watch per job it fans out.
     * Registered before this returns, so a change after it is never missed. {@code onChange} runs on the feed's
     * thread: it must not block.
     */
    public Watch watch(String key, Runnable onChange) {
        Waiter waiter = registry.register(Set.of(key), onChange);
        feed.open();
        return () -> registry.remove(waiter);
    }

    private void observe(Waiter waiter, boolean done, boolean terminal) {
        if (!meters.enabled()) {
            return;
        }
        meters.waitEnded(!done ? WaitResult.TIMEOUT : terminal ? WaitResult.TERMINAL : WaitResult.CHANGED);
        long wokenAt = waiter.wokenAt();
        if (done && wokenAt != 0) {
            meters.wakeup(System.nanoTime() - wokenAt);
        }
    }

    private <T> Uni<T> readUntil(Waiter waiter, long deadline, Function<KeyReads, Uni<T>> read, KeyReads shared,
            Predicate<T> done, Function<T, Optional<Duration>> readAgainWithin) {
        Uni<Void> changed = waiter.arm();
        return read.apply(shared).chain(value -> {
            long remaining = deadline - System.nanoTime();
            // Timers have millisecond resolution: less than that left is no time left.
            if (done.test(value) || remaining < MILLISECOND) {
                return Uni.createFrom().item(value);
            }
            Duration every = feed.subscribed() ? reread : feedDownReread;
            Duration sooner = readAgainWithin.apply(value).orElse(every);
            every = sooner.compareTo(every) < 0 ? sooner : every;
            Duration pause = Duration.ofNanos(Math.min(remaining, every.toNanos()));
            return changed.ifNoItem().after(pause).recoverWithItem((Void) null)
                    .chain(() -> readUntil(waiter, deadline, read, shared, done, readAgainWithin));
        });
    }
}
