package dev.jobgateway.job;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.platform.RedisScript;
import dev.jobgateway.platform.SharedConnection;
import dev.jobgateway.platform.StoreErrors;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.hash.ReactiveHashCommands;
import io.smallrye.mutiny.Uni;

/**
 * How long each owner's jobs of a provider (and model) take, learned from the webhooks that finished them, so that a
 * job whose webhook is late can be checked just after it was expected to finish (see {@code Reconciler}) instead of
 * after the fixed {@code check-after}. Kept per owner: one owner's fast jobs must not bring early checks onto another
 * owner's jobs of the same model (for RunPod, out of the endpoint's shared status budget). In Redis, shared by every
 * instance, bounded: the newest {@code duration-samples} durations per model, at most {@link #MODELS_PER_PROVIDER}
 * models per owner and provider, and owners come from configuration ({@code gateway.api-keys}), never from callers.
 *
 * <p>
 * Only webhook completions are learned: a completion found by a check is seen late, by as much as the schedule
 * made it wait, and learning from those would push the expected time out a little more with every lost webhook.
 */
@ApplicationScoped
public class DurationHistory {

    private static final Logger LOG = Logger.getLogger(DurationHistory.class);
    private static final RedisScript RECORD = RedisScript.fromResource("store/durations.lua");
    /** Models kept per owner and provider: callers choose model names, so their number must not be theirs to grow. */
    static final int MODELS_PER_PROVIDER = 200;
    private static final long TTL_MS = Duration.ofDays(7).toMillis();
    /** A submit reads the history at most this often per model and instance; a new duration moves it little. */
    private static final long CACHE_NANOS = Duration.ofSeconds(10).toNanos();
    private static final int CACHE_MAX = 1_000;
    private static final long WARN_INTERVAL_NANOS = Duration.ofMinutes(1).toNanos();

    private final SharedConnection redis;
    private final ReactiveHashCommands<String, String, String> hashes;
    private final GatewayConfig.Fallback config;
    private final Duration commandTimeout;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private volatile long lastWarnNanos;

    DurationHistory(SharedConnection redis, ReactiveRedisDataSource data, GatewayConfig config) {
        this.redis = redis;
        this.hashes = data.hash(String.class);
        this.config = config.fallback();
        this.commandTimeout = config.store().commandTimeout();
    }

    /** Whether durations are learned and used at all ({@code gateway.fallback.learn-durations}). */
    public boolean enabled() {
        return config.learnDurations();
    }

    /**
     * How long a new job of this owner, provider and model is expected to take (the configured quantile of the owner's
     * recent durations), or empty without enough history. Never fails: without an answer from Redis the job simply
     * gets the fixed rule.
     */
    public Uni<Optional<Duration>> expected(String owner, String provider, String model) {
        if (!enabled()) {
            return Uni.createFrom().item(Optional.empty());
        }
        String cacheKey = cacheKey(owner, provider, model);
        Cached cached = cache.get(cacheKey);
        long now = System.nanoTime();
        if (cached != null && now - cached.readAt() < CACHE_NANOS) {
            return Uni.createFrom().item(cached.expected());
        }
        return redis.guard(commandTimeout, hashes.hget(key(owner, provider), field(model)))
                .map(this::expectedFrom)
                .invoke(expected -> {
                    if (cache.size() >= CACHE_MAX) {
                        cache.clear();
                    }
                    cache.put(cacheKey, new Cached(now, expected));
                })
                .onFailure().recoverWithItem(failure -> {
                    LOG.debugf("Duration history of %s not read: %s", provider, failure.toString());
                    return Optional.empty();
                });
    }

    /**
     * Adds the duration of a job of {@code owner} that a webhook reported finished. Never fails the caller; a failure
     * that is not an outage (an error reply: a script this Redis cannot run) is logged, not swallowed.
     */
    public Uni<Void> record(String owner, String provider, String model, Duration took) {
        if (!enabled() || took.isNegative() || owner == null || owner.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        // This instance's next submit of the model reads the new history; other instances within the cache's time.
        cache.remove(cacheKey(owner, provider, model));
        return RECORD.run(redis, commandTimeout, List.of(key(owner, provider)), List.of(field(model),
                Long.toString(took.toMillis()), Integer.toString(Math.max(1, config.durationSamples())),
                Integer.toString(MODELS_PER_PROVIDER), Long.toString(TTL_MS)))
                .replaceWithVoid()
                .onFailure().recoverWithItem(failure -> {
                    if (StoreErrors.isUnavailable(failure)) {
                        LOG.debugf("Duration of a %s job not recorded: %s", provider, failure.toString());
                    } else {
                        warnAtMostEveryMinute("Durations are not being learned: " + failure);
                    }
                    return null;
                });
    }

    /** The quantile of the stored durations (nearest rank), if there are enough of them. */
    Optional<Duration> expectedFrom(String stored) {
        if (stored == null || stored.isBlank()) {
            return Optional.empty();
        }
        long[] ms = Arrays.stream(stored.trim().split(" ")).mapToLong(Long::parseLong).sorted().toArray();
        if (ms.length < Math.max(1, config.durationMinSamples())) {
            return Optional.empty();
        }
        double quantile = Math.min(1, Math.max(0, config.durationQuantile()));
        int rank = (int) Math.ceil(quantile * ms.length);
        return Optional.of(Duration.ofMillis(ms[Math.max(0, Math.min(ms.length - 1, rank - 1))]));
    }

    private static String cacheKey(String owner, String provider, String model) {
        return owner + '\n' + provider + '\n' + field(model);
    }

    /**
     * One hash per owner and provider, hash-tagged so that a cluster keeps it in one slot. Owners match
     * {@code [A-Za-z0-9._@:-]} (configuration checks it), so the tag holds no brace.
     */
    static String key(String owner, String provider) {
        return "jobgw:durations:{" + provider + ":" + owner + "}";
    }

    /** The model as a field; a long name (callers choose them) is kept as its hash. */
    static String field(String model) {
        if (model == null || model.isEmpty()) {
            return "-";
        }
        return model.length() > 128 ? Ids.sha256(model) : model;
    }

    /** A script this Redis cannot run fails every recording the same way: one line a minute says so. */
    private void warnAtMostEveryMinute(String message) {
        long now = System.nanoTime();
        long last = lastWarnNanos;
        if (now - last > WARN_INTERVAL_NANOS || last == 0) {
            lastWarnNanos = now;
            LOG.warn(message);
        }
    }

    private record Cached(long readAt, Optional<Duration> expected) {
    }
}
