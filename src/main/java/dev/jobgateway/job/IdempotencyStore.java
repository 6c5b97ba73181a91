package dev.jobgateway.job;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.RedisScript;
import dev.jobgateway.platform.SharedConnection;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;

/**
 * {@code Idempotency-Key} records, one per owner and key: which request (by fingerprint) claimed the key, for which
 * job, when, and whether that submit is done. The claim is one {@code SET NX}, so of any number of concurrent
 * submits with one key exactly one goes on to create a job; the record lasts the key's whole TTL.
 */
@ApplicationScoped
public class IdempotencyStore {

    private static final RedisScript SCRIPT = RedisScript.fromResource("store/idempotency.lua");

    private final SharedConnection redis;
    private final String ttlMs;
    private final Duration lease;
    private final Duration commandTimeout;

    IdempotencyStore(SharedConnection redis, GatewayConfig config) {
        this.redis = redis;
        this.lease = config.idempotency().lease();
        this.ttlMs = Long.toString(config.idempotency().ttl().toMillis());
        this.commandTimeout = config.store().commandTimeout();
    }

    private Uni<Response> run(String owner, String key, List<String> args) {
        return SCRIPT.run(redis, commandTimeout, List.of(Keys.idempotency(owner, key)), args);
    }

    /** What a key holds: a submit in flight or done, the fingerprint of its request, its job and when it claimed. */
    public record Claim(boolean done, String fingerprint, String jobId, long claimedAtMs) {

        public static Claim inFlight(String fingerprint, String jobId, Instant now) {
            return new Claim(false, fingerprint, jobId, now.toEpochMilli());
        }

        String value() {
            return (done ? "done" : "in_flight") + " " + fingerprint + " " + jobId + " " + claimedAtMs;
        }

        Claim completed() {
            return new Claim(true, fingerprint, jobId, claimedAtMs);
        }

        static Claim parse(String value) {
            String[] parts = value.split(" ", 4);
            return new Claim(parts[0].equals("done"), parts[1], parts[2],
                    parts.length > 3 ? Long.parseLong(parts[3]) : 0);
        }
    }

    /** Claims the key for {@code claim}; empty if claimed now, else what the key already holds. */
    public Uni<Optional<Claim>> claim(String owner, String key, Claim claim) {
        return run(owner, key, List.of("claim", claim.value(), ttlMs))
                .map(existing -> existing == null ? Optional.<Claim> empty()
                        : Optional.of(Claim.parse(existing.toString())));
    }

    /** Whether a claim may be taken over if its job was never stored: its lease is over. */
    public boolean isStale(Claim claim, Instant now) {
        return now.toEpochMilli() - claim.claimedAtMs() > lease.toMillis();
    }

    /** Replaces {@code seen} (a stale claim whose job was never stored) by {@code claim}; false if another did. */
    public Uni<Boolean> takeOver(String owner, String key, Claim seen, Claim claim) {
        return run(owner, key, List.of("takeover", seen.value(), claim.value(), ttlMs))
                .map(replaced -> replaced.toInteger() == 1);
    }

    /** Marks the submit done; a no-op if another submit took the key over meanwhile. */
    public Uni<Void> complete(String owner, String key, Claim claim) {
        return run(owner, key, List.of("complete", claim.value(), claim.completed().value(), ttlMs))
                .replaceWithVoid();
    }
}
