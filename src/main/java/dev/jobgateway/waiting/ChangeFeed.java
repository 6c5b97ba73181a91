package dev.jobgateway.waiting;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.jobgateway.platform.GatewayConfig;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.pubsub.ReactivePubSubCommands;
import io.smallrye.mutiny.Uni;

/**
 * The instance's one subscription to the changes channel, on which the transition script announces every
 * applied change as {@code "<job id> <version> <status>"}. Opened on the first wait (functions that never wait
 * never hold it). The Redis client does not resubscribe after its connection drops (the stream just ends), so
 * this does: with backoff, and then it wakes every waiter to re-read, because notices sent in the gap are gone.
 */
@ApplicationScoped
public class ChangeFeed {

    private static final Logger LOG = Logger.getLogger(ChangeFeed.class);
    private static final Duration FIRST_RETRY = Duration.ofMillis(100);
    private static final Duration MAX_RETRY = Duration.ofSeconds(5);

    private final ReactivePubSubCommands<String> pubsub;
    private final String channel;
    private final WaiterRegistry registry;
    private final AtomicLong subscriptions = new AtomicLong();
    private Uni<Void> ready;
    private volatile boolean subscribed;
    private Duration nextRetry = FIRST_RETRY;
    private boolean closed;

    ChangeFeed(ReactiveRedisDataSource redis, GatewayConfig config, WaiterRegistry registry) {
        this.pubsub = redis.pubsub(String.class);
        this.channel = config.jobs().changesChannel();
        this.registry = registry;
    }

    /** Completes once the subscription is live; starts it on first use and after it was lost. */
    synchronized Uni<Void> ready() {
        if (ready == null) {
            ready = subscribe().memoize().indefinitely();
        }
        return ready;
    }

    public boolean subscribed() {
        return subscribed;
    }

    /** How many times the subscription was (re-)established. */
    public long subscriptions() {
        return subscriptions.get();
    }

    private Uni<Void> subscribe() {
        return pubsub.subscribe(channel, this::onMessage, () -> lost(null),
                        failure -> lost(failure.toString()))
                .invoke(subscriber -> established())
                .onFailure().invoke(failure -> lost(failure.toString()))
                .replaceWithVoid();
    }

    private void onMessage(String message) {
        int space = message.indexOf(' ');
        registry.wake(space < 0 ? message : message.substring(0, space));
    }

    private void established() {
        boolean again = subscriptions.incrementAndGet() > 1;
        synchronized (this) {
            subscribed = true;
            nextRetry = FIRST_RETRY;
        }
        if (again) {
            LOG.infof("Change feed resubscribed to %s; %d waiter(s) re-read", channel, registry.size());
            registry.wakeAll();
        } else {
            LOG.debugf("Change feed subscribed to %s", channel);
        }
    }

    /** @param failure what went wrong, or null when the connection was closed (such as by the idle timeout) */
    private void lost(String failure) {
        Duration delay;
        synchronized (this) {
            if (closed || (!subscribed && ready == null)) {
                return;
            }
            subscribed = false;
            ready = null;
            delay = nextRetry;
            nextRetry = nextRetry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : nextRetry.multipliedBy(2);
        }
        int waiting = registry.size();
        if (failure != null) {
            LOG.warnf("Change feed lost (%s); resubscribing in %d ms", failure, delay.toMillis());
        } else if (waiting > 0) {
            LOG.infof("Change feed connection closed; resubscribing in %d ms, %d waiter(s) re-read", delay.toMillis(),
                    waiting);
        } else {
            // The Redis idle timeout closes a quiet subscription every minute: routine, not news.
            LOG.debugf("Change feed connection closed; resubscribing in %d ms", delay.toMillis());
        }
        // Waiters fall back to their periodic re-read until the feed is back.
        registry.wakeAll();
        Uni.createFrom().voidItem().onItem().delayIt().by(delay)
                .chain(this::ready)
                .subscribe().with(ok -> { }, ignored -> { });
    }

    @jakarta.annotation.PreDestroy
    synchronized void close() {
        closed = true;
    }
}
