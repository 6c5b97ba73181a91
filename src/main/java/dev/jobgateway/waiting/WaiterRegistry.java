package dev.jobgateway.waiting;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The instance's waiters keyed by job id: the seed article's {@code waitingTasks} map, with its "delete from the
 * map" rule enforced by {@link Waits} on every way a wait ends (answer, timeout, client gone).
 */
@ApplicationScoped
public class WaiterRegistry {

    private final ConcurrentHashMap<String, Set<Waiter>> byKey = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();

    Waiter register(Set<String> keys) {
        Waiter waiter = new Waiter(keys);
        for (String key : keys) {
            // compute, not computeIfAbsent + add: a concurrent remove must not drop the set we add to.
            byKey.compute(key, (k, waiters) -> {
                Set<Waiter> set = waiters == null ? ConcurrentHashMap.newKeySet() : waiters;
                set.add(waiter);
                return set;
            });
        }
        size.incrementAndGet();
        return waiter;
    }

    void remove(Waiter waiter) {
        if (!waiter.removed.compareAndSet(false, true)) {
            return;
        }
        for (String key : waiter.keys) {
            byKey.computeIfPresent(key, (k, waiters) -> {
                waiters.remove(waiter);
                return waiters.isEmpty() ? null : waiters;
            });
        }
        size.decrementAndGet();
    }

    void wake(String key) {
        Set<Waiter> waiters = byKey.get(key);
        if (waiters != null) {
            waiters.forEach(Waiter::wake);
        }
    }

    /** After notices may have been lost: every waiter re-reads. */
    void wakeAll() {
        byKey.values().forEach(waiters -> waiters.forEach(Waiter::wake));
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
