package dev.jobgateway.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.jobgateway.platform.GatewayClock;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.RedisScript;
import dev.jobgateway.platform.SharedConnection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * Per-minute delivery counts per provider in Redis, shared by all instances (Lambda has many, each with its own
 * meters): webhooks by result, fallback checks by result, completions by way, delivery lag in buckets. They feed the
 * operator's delivery report over a window. Counted in memory and written in the background: a count lost to an
 * outage or a crash is a count, never a failed or slower request.
 */
@ApplicationScoped
public class DeliveryStats {

    private static final Logger LOG = Logger.getLogger(DeliveryStats.class);
    private static final RedisScript ADD = RedisScript.fromResource("store/stats.lua");
    private static final RedisScript SUM = RedisScript.fromResource("store/stats-sum.lua");
    /** Minutes summed by one command of a report: a few hundred HGETALLs in a script take Redis well under 1 ms. */
    static final int MINUTES_PER_READ = 240;
    /** Upper bounds (ms) of the delivery-lag buckets; the last bucket is everything above. */
    private static final long FLUSH_EVERY_MS = 1_000;
    static final long[] LAG_BOUNDS_MS = { 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000 };

    private final SharedConnection scripts;
    private final Duration timeout;
    private final String retentionMs;
    private final Vertx vertx;
    private final Map<String, Map<String, LongAdder>> pending = new ConcurrentHashMap<>();
    private final AtomicBoolean timer = new AtomicBoolean();
    private CompletableFuture<Void> lastWrite = CompletableFuture.completedFuture(null);
    private final GatewayClock clock;

    DeliveryStats(SharedConnection scripts, Vertx vertx, GatewayConfig config, GatewayClock clock) {
        this.clock = clock;
        this.scripts = scripts;
        this.vertx = vertx;
        this.timeout = config.store().commandTimeout();
        this.retentionMs = Long.toString(config.metrics().deliveryStatsRetention().toMillis());
    }

    static String key(String provider, long epochMinute) {
        return "jobgw:stats:{" + provider + "}:" + epochMinute;
    }

    /**
     * Adds one to each field of the provider's current minute. Counted in memory and written about once a second (and
     * before a report is read), so a webhook costs no Redis command of its own.
     */
    void add(String provider, String... fields) {
        Map<String, LongAdder> minute = pending.computeIfAbsent(key(provider, clock.now().getEpochSecond() / 60),
                k -> new ConcurrentHashMap<>());
        for (String field : fields) {
            minute.computeIfAbsent(field, f -> new LongAdder()).increment();
        }
        if (timer.compareAndSet(false, true)) {
            vertx.setPeriodic(FLUSH_EVERY_MS, id -> flush().subscribe().with(done -> {
            }, failure -> LOG.debugf("Delivery counts not written: %s", failure)));
        }
    }

    /**
     * Writes the counts kept since the last flush (those a failed write held are added back for the next one); the
     * answer comes once these and every write started before are done, so a report read after it sees them all.
     */
    public synchronized Uni<Void> flush() {
        CompletableFuture<Void> started = write().subscribeAsCompletionStage().toCompletableFuture();
        CompletableFuture<Void> before = lastWrite;
        lastWrite = CompletableFuture.allOf(before.exceptionally(failure -> null), started);
        return Uni.createFrom().completionStage(lastWrite);
    }

    private Uni<Void> write() {
        if (pending.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Uni<Void>> writes = new ArrayList<>();
        for (String key : new ArrayList<>(pending.keySet())) {
            Map<String, LongAdder> counts = pending.remove(key);
            if (counts == null) {
                continue;
            }
            List<String> args = new ArrayList<>();
            args.add(retentionMs);
            Map<String, Long> taken = new TreeMap<>();
            counts.forEach((field, adder) -> {
                long n = adder.sumThenReset();
                if (n > 0) {
                    taken.put(field, n);
                    args.add(field);
                    args.add(Long.toString(n));
                }
            });
            if (taken.isEmpty()) {
                continue;
            }
            writes.add(ADD.run(scripts, timeout, List.of(key), args).replaceWithVoid().onFailure().invoke(() -> {
                Map<String, LongAdder> back = pending.computeIfAbsent(key, k -> new ConcurrentHashMap<>());
                taken.forEach((field, n) -> back.computeIfAbsent(field, f -> new LongAdder()).add(n));
            }));
        }
        return writes.isEmpty() ? Uni.createFrom().voidItem()
                : Uni.join().all(writes).andCollectFailures()
                        .replaceWithVoid();
    }

    @PreDestroy
    void writeWhatIsLeft() {
        try {
            flush().await().atMost(timeout);
        } catch (RuntimeException e) {
            LOG.debugf("Delivery counts not written at shutdown: %s", e);
        }
    }

    static String lagField(long lagMs) {
        for (long bound : LAG_BOUNDS_MS) {
            if (lagMs <= bound) {
                return "lag_le:" + bound;
            }
        }
        return "lag_le:inf";
    }

    /** The counts of the provider over the last {@code minutes} minutes, summed. */
    public Uni<Map<String, Long>> sum(String provider, int minutes) {
        return flush().onFailure().recoverWithNull().chain(() -> read(provider, minutes));
    }

    /**
     * The minutes' hashes summed by a script, {@link #MINUTES_PER_READ} minutes per command and one command at a time:
     * a day is 6 commands per provider. Sent one HGETALL per minute, all at once, a day's report was 1,440 commands
     * per provider in flight together, and three reports overflowed the pool's wait queue and failed every other
     * command of the instance with them.
     */
    private Uni<Map<String, Long>> read(String provider, int minutes) {
        long now = clock.now().getEpochSecond() / 60;
        Map<String, Long> total = new TreeMap<>();
        Uni<Void> reads = Uni.createFrom().voidItem();
        for (long first = now - minutes + 1; first <= now; first += MINUTES_PER_READ) {
            List<String> keys = new ArrayList<>();
            for (long minute = first; minute <= Math.min(now, first + MINUTES_PER_READ - 1); minute++) {
                keys.add(key(provider, minute));
            }
            reads = reads.chain(() -> SUM.run(scripts, timeout, keys, List.of()).invoke(reply -> {
                for (int i = 0; i + 1 < reply.size(); i += 2) {
                    total.merge(reply.get(i).toString(), Long.parseLong(reply.get(i + 1).toString()), Long::sum);
                }
            }).replaceWithVoid());
        }
        return reads.replaceWith(total);
    }

    /** The lag at percentile {@code p} (0..1) by the buckets: the upper bound of the bucket it falls in, or null. */
    static Long lagPercentile(Map<String, Long> counts, double p) {
        Map<String, Long> buckets = new LinkedHashMap<>();
        long total = 0;
        for (long bound : LAG_BOUNDS_MS) {
            long n = counts.getOrDefault("lag_le:" + bound, 0L);
            buckets.put(Long.toString(bound), n);
            total += n;
        }
        long above = counts.getOrDefault("lag_le:inf", 0L);
        total += above;
        if (total == 0) {
            return null;
        }
        long seen = 0;
        for (long bound : LAG_BOUNDS_MS) {
            seen += buckets.get(Long.toString(bound));
            if (seen >= Math.ceil(p * total)) {
                return bound;
            }
        }
        return -1L; // above the last bound
    }
}
