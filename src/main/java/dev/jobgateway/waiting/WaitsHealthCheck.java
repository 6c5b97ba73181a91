package dev.jobgateway.waiting;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Reports the waits this instance holds and its change-feed state. Always up: a lost feed degrades wake-ups to
 * periodic re-reads, it does not make the instance unable to serve.
 */
@Readiness
@ApplicationScoped
public class WaitsHealthCheck implements HealthCheck {

    private final WaiterRegistry registry;
    private final ChangeFeed feed;

    WaitsHealthCheck(WaiterRegistry registry, ChangeFeed feed) {
        this.registry = registry;
        this.feed = feed;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("waits").up()
                .withData("waiters", registry.size())
                .withData("jobs_waited_on", registry.keys())
                .withData("change_feed_subscribed", feed.subscribed())
                .withData("change_feed_subscriptions", feed.subscriptions())
                .withData("change_feed_node", String.valueOf(feed.node()))
                .build();
    }
}
