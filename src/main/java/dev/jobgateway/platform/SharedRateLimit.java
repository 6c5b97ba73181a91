package dev.jobgateway.platform;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;

/**
 * Call budgets shared by every gateway instance, kept in Redis: at most {@code budget} calls in any {@code window}
 * (a sliding log, so no burst of twice the budget across a window boundary, as fixed windows allow). A per-process
 * limiter would let N instances make N times the budget. Provider-neutral: a provider names its budget (e.g. per
 * upstream endpoint) and decides what a refusal means for it.
 */
@ApplicationScoped
public class SharedRateLimit {

    private static final RedisScript TAKE = RedisScript.fromResource("store/rate-limit.lua");

    private final SharedConnection redis;
    private final Duration commandTimeout;

    SharedRateLimit(SharedConnection redis, GatewayConfig config) {
        this.redis = redis;
        this.commandTimeout = config.store().commandTimeout();
    }

    /**
     * Takes one call from the budget {@code name}: {@link Duration#ZERO} if the call may be made now (it is counted),
     * else how long until one may. Fails with the store's outage like any Redis command.
     */
    public Uni<Duration> take(String name, int budget, Duration window) {
        // One key per budget, hash-tagged so that a cluster keeps it in one slot.
        String key = "jobgw:ratelimit:{" + name + "}";
        return TAKE.run(redis, commandTimeout, List.of(key), List.of(Integer.toString(Math.max(1, budget)),
                Long.toString(Math.max(1, window.toMillis())), UUID.randomUUID().toString()))
                .map(reply -> Duration.ofMillis(reply.toLong()));
    }
}
