package dev.jobgateway.waiting;

import java.time.Duration;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import dev.jobgateway.platform.GatewayConfig;
import io.smallrye.mutiny.Uni;

/**
 * Holds a request until what it reads satisfies it or its time is up, woken by the {@link ChangeFeed} when any
 * instance changes one of the jobs it waits on. Register, then read: a change between the two is never missed.
 * A periodic re-read ends waits whose notice was lost, and drives the upstream fallback of stuck jobs.
 */
@ApplicationScoped
public class Waits {

    /** How long a wait holds out for the change feed when it is (re)connecting, before relying on re-reads. */
    private static final Duration FEED_GRACE = Duration.ofSeconds(1);

    private static final long MILLISECOND = Duration.ofMillis(1).toNanos();

    private final ChangeFeed feed;
    private final WaiterRegistry registry;
    private final Duration reread;

    Waits(ChangeFeed feed, WaiterRegistry registry, GatewayConfig config) {
        this.feed = feed;
        this.registry = registry;
        this.reread = config.waits().safetyReread();
    }

    /**
     * Reads until {@code done} accepts the value or {@code wait} is over, then answers the last value read.
     *
     * @param keys the job ids whose changes should trigger a re-read
     */
    public <T> Uni<T> until(Set<String> keys, Duration wait, Supplier<Uni<T>> read, Predicate<T> done) {
        if (wait.isZero() || wait.isNegative()) {
            return read.get();
        }
        long deadline = System.nanoTime() + wait.toNanos();
        return feed.ready()
                .ifNoItem().after(FEED_GRACE).recoverWithItem((Void) null)
                .onFailure().recoverWithNull()
                .chain(() -> {
                    Waiter waiter = registry.register(keys);
                    return readUntil(waiter, deadline, read, done)
                            .onTermination().invoke(() -> registry.remove(waiter));
                });
    }

    private <T> Uni<T> readUntil(Waiter waiter, long deadline, Supplier<Uni<T>> read, Predicate<T> done) {
        Uni<Void> changed = waiter.arm();
        return read.get().chain(value -> {
            long remaining = deadline - System.nanoTime();
            // Timers have millisecond resolution: less than that left is no time left.
            if (done.test(value) || remaining < MILLISECOND) {
                return Uni.createFrom().item(value);
            }
            Duration pause = Duration.ofNanos(Math.min(remaining, reread.toNanos()));
            return changed.ifNoItem().after(pause).recoverWithItem((Void) null)
                    .chain(() -> readUntil(waiter, deadline, read, done));
        });
    }
}
