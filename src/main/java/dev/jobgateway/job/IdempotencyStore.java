package dev.jobgateway.job;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.RedisScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;

/**
 * {@code Idempotency-Key} records, one per owner and key: which request (by fingerprint) claimed the key, for which
 * job, and whether that submit is still in flight. The claim is one {@code SET NX}, so of any number of concurrent
 * submits with one key exactly one goes on to create a job.
 */
@ApplicationScoped
public class IdempotencyStore {

    private static final RedisScript SCRIPT = RedisScript.fromResource("store/idempotency.lua");

    private final ReactiveRedisDataSource redis;
    private final String leaseMs;
    private final String ttlMs;
    private final Duration commandTimeout;

    IdempotencyStore(ReactiveRedisDataSource redis, GatewayConfig config) {
        this.redis = redis;
        this.leaseMs = Long.toString(config.idempotency().lease().toMillis());
        this.ttlMs = Long.toString(config.idempotency().ttl().toMillis());
        this.commandTimeout = config.store().commandTimeout();
    }

    private Uni<Response> run(String owner, String key, List<String> args) {
        return SCRIPT.run(redis, commandTimeout, List.of(Keys.idempotency(owner, key)), args);
    }

    /** What a key holds: a submit in flight or done, the fingerprint of its request and its job. */
    public record Claim(boolean done, String fingerprint, String jobId) {

        String value() {
            return (done ? "done" : "in_flight") + " " + fingerprint + " " + jobId;
        }

        Claim completed() {
            return new Claim(true, fingerprint, jobId);
        }

        static Claim parse(String value) {
            String[] parts = value.split(" ", 3);
            return new Claim(parts[0].equals("done"), parts[1], parts[2]);
        }
    }

    /** Claims the key for {@code claim}; empty if claimed now, else what the key already holds. */
    public Uni<Optional<Claim>> claim(String owner, String key, Claim claim) {
        return run(owner, key, List.of("claim", claim.value(), leaseMs))
                .map(existing -> existing == null ? Optional.<Claim>empty()
                        : Optional.of(Claim.parse(existing.toString())));
    }

    /** Marks the submit done, remembered for the configured TTL; a no-op if the lease ran out and another took it. */
    public Uni<Void> complete(String owner, String key, Claim claim) {
        return run(owner, key, List.of("complete", claim.value(), claim.completed().value(), ttlMs))
                .replaceWithVoid();
    }

    /** Frees the key after a submit that stored nothing (e.g. Redis failed), so a retry need not wait for the lease. */
    public Uni<Void> release(String owner, String key, Claim claim) {
        return run(owner, key, List.of("release", claim.value()))
                .replaceWithVoid();
    }
}
