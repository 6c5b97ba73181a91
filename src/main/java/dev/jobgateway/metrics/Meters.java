package dev.jobgateway.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import dev.jobgateway.platform.GatewayClock;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.waiting.WaiterRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;

/**
 * The gateway's delivery meters, in one place: the code calls these methods with enums (never free text), so every
 * tag has a small fixed set of values plus the provider name; no job id, prompt or key is ever a tag. Each meter goes
 * to Micrometer ({@code /q/metrics}) and, when EMF is on (Lambda), to the {@link EmfWriter} of the invocation. The
 * names, tags and their CloudWatch counterparts are listed in {@link Meter} and docs/operations.md.
 */
@Startup
@ApplicationScoped
public class Meters {

    /** For the few static places (Redis error handling) that have no bean to inject it into. */
    private static volatile Meters current;

    /** How a submit ended. */
    public enum SubmitOutcome {
        HANDED_OFF,
        HANDOFF_FAILED,
        IDEMPOTENT_REPLAY
    }

    /** What became of a webhook that reached the gateway. */
    public enum WebhookResult {
        APPLIED,
        DUPLICATE,
        LATE,
        OUT_OF_ORDER,
        BAD_SIGNATURE,
        UNKNOWN_JOB,
        MALFORMED,
        PARKED
    }

    /** What a fallback check with the AI server found. */
    public enum CheckResult {
        RECOVERED,
        STILL_RUNNING,
        NOT_FOUND,
        UNREACHABLE,
        RATE_LIMITED
    }

    /** How a held read ended. */
    public enum WaitResult {
        TERMINAL,
        CHANGED,
        TIMEOUT,
        CLIENT_GONE
    }

    /**
     * A Redis command that did not answer in time, failed because Redis was down, or was refused because Redis does not
     * accept the gateway's credentials (a setting to fix).
     */
    public enum StoreFailure {
        TIMEOUT,
        OUTAGE,
        MISCONFIGURATION
    }

    /** A call to a provider's API. */
    public enum UpstreamOperation {
        SUBMIT,
        STATUS,
        CANCEL
    }

    /** Bucket bounds (ms) of the latency histograms: enough for p50/p95/p99 in Grafana, few series. */
    private static final Duration[] SLOS = { Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofMinutes(5),
            Duration.ofMinutes(15) };

    private final MeterRegistry registry;
    private final EmfWriter emf;
    private final boolean enabled;
    private final DeliveryStats stats;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong[]> completedByProvider = new ConcurrentHashMap<>();
    private final AtomicLong overdue = new AtomicLong();
    private final GatewayClock clock;

    Meters(Instance<MeterRegistry> registries, EmfWriter emf, DeliveryStats stats, WaiterRegistry waiters,
            GatewayConfig config, GatewayClock clock) {
        this.clock = clock;
        this.stats = stats;
        // Without Micrometer's registry (function.zip leaves it out: nothing scrapes a Lambda), the meters go to EMF only.
        this.registry = registries.isResolvable() ? registries.get() : null;
        this.emf = emf;
        this.enabled = config.metrics().enabled();
        if (registry != null) {
            Gauge.builder(Meter.SWEEPER_OVERDUE.micrometerName(), overdue, AtomicLong::get)
                    .description(Meter.SWEEPER_OVERDUE.description()).register(registry);
        }
        waitersHeld(waiters::size);
        current = this;
    }

    /** The meters of the running application, or null before it started (unit tests of static helpers). */
    public static Meters current() {
        return current;
    }

    public void submitted(String provider, SubmitOutcome outcome) {
        count(Meter.JOBS_SUBMITTED, "provider", provider, "outcome", wire(outcome));
    }

    /**
     * An accepted change of a job's status, from {@code from} to {@code to}: a job that starts (leaves queued) and a
     * job that ends (with how: webhook, poll, cancel, timeout, submit) are counted and timed from its creation.
     */
    public void transitioned(String provider, String from, String to, String completedVia, Instant createdAt) {
        if (!enabled || provider == null || provider.isEmpty()) {
            return;
        }
        Duration sinceCreated = createdAt == null ? null : Duration.between(createdAt, clock.now());
        boolean terminal = "succeeded".equals(to) || "failed".equals(to) || "cancelled".equals(to);
        if ("queued".equals(from) && !"queued".equals(to) && sinceCreated != null) {
            time(Meter.JOBS_TIME_TO_START, sinceCreated, "provider", provider);
        }
        if (!terminal) {
            return;
        }
        count(Meter.JOBS_COMPLETED, "provider", provider, "status", to, "completed_via", completedVia);
        stats.add(provider, "completed:" + completedVia);
        if (sinceCreated != null) {
            time(Meter.JOBS_DURATION, sinceCreated, "provider", provider, "status", to);
        }
        if (registry == null) {
            return;
        }
        AtomicLong[] byWay = completedByProvider.computeIfAbsent(provider, this::ratioGauge);
        if ("webhook".equals(completedVia)) {
            byWay[0].incrementAndGet();
        } else if ("poll".equals(completedVia)) {
            byWay[1].incrementAndGet();
        }
    }

    /** Completed via poll over completed via webhook or poll, per provider, since this instance started. */
    private AtomicLong[] ratioGauge(String provider) {
        AtomicLong[] byWay = { new AtomicLong(), new AtomicLong() };
        Gauge.builder(Meter.MISSING_WEBHOOK_RATIO.micrometerName(), byWay, Meters::ratio)
                .description(Meter.MISSING_WEBHOOK_RATIO.description()).tags("provider", provider).register(registry);
        return byWay;
    }

    private static double ratio(AtomicLong[] byWay) {
        long webhook = byWay[0].get();
        long poll = byWay[1].get();
        return webhook + poll == 0 ? 0 : (double) poll / (webhook + poll);
    }

    /**
     * A webhook and what became of it, with its delivery lag once authenticated (or null). Only webhooks that passed
     * authentication and were read reach the shared per-minute counts in Redis: nothing about a refused webhook does.
     */
    public void webhook(String provider, WebhookResult result, Long lagMs) {
        if (!enabled) {
            return;
        }
        count(Meter.WEBHOOKS_RECEIVED, "provider", provider, "result", wire(result));
        boolean read = switch (result) {
            case APPLIED, DUPLICATE, LATE, OUT_OF_ORDER, PARKED -> true;
            default -> false;
        };
        if (!read) {
            return;
        }
        if (lagMs == null) {
            stats.add(provider, "webhook:" + wire(result));
            return;
        }
        time(Meter.WEBHOOK_DELIVERY_LAG, Duration.ofMillis(Math.max(0, lagMs)), "provider", provider);
        stats.add(provider, "webhook:" + wire(result), DeliveryStats.lagField(lagMs));
    }

    public void check(String provider, CheckResult result) {
        count(Meter.FALLBACK_CHECKS, "provider", provider, "result", wire(result));
        if (enabled) {
            stats.add(provider, "check:" + wire(result));
        }
    }

    public void waitEnded(WaitResult result) {
        count(Meter.WAITS, "result", wire(result));
    }

    /** From the change notice reaching this instance to the held read's answer. */
    public void wakeup(long nanos) {
        time(Meter.WAIT_WAKEUP, Duration.ofNanos(Math.max(0, nanos)));
    }

    /** Registers the gauge of waits held right now. */
    private void waitersHeld(Supplier<Number> held) {
        if (registry != null) {
            Gauge.builder(Meter.WAITERS_HELD.micrometerName(), held).description(Meter.WAITERS_HELD.description())
                    .register(registry);
        }
        emf.gauge(Meter.WAITERS_HELD, held);
    }

    public void feedResubscribed() {
        count(Meter.CHANGE_FEED_RESUBSCRIBES);
    }

    /** One sweep: jobs left for the next one, and the overdue backlog of the pending index after it. */
    public void sweep(int deferred, long overdueAfter) {
        if (!enabled) {
            return;
        }
        count(Meter.SWEEPER_RUNS);
        if (deferred > 0) {
            if (registry != null) {
                counter(Meter.SWEEPER_DEFERRED).increment(deferred);
            }
            emf.add(Meter.SWEEPER_DEFERRED, Map.of(), deferred);
        }
        overdue(overdueAfter);
    }

    /** The pending index's overdue jobs, as last counted (by a sweep or an operator's listing). */
    public void overdue(long jobs) {
        overdue.set(jobs);
        emf.set(Meter.SWEEPER_OVERDUE, jobs);
    }

    public void storeFailure(StoreFailure failure) {
        count(Meter.STORE_FAILURES, "kind", wire(failure));
    }

    /** One call to a provider's API and its status class (2xx, 4xx, 429, 5xx, unreachable, invalid). */
    public void upstream(String provider, UpstreamOperation operation, String statusClass, long nanos) {
        time(Meter.UPSTREAM_CALLS, Duration.ofNanos(Math.max(0, nanos)), "provider", provider, "operation",
                wire(operation), "status_class", statusClass);
    }

    /** The status class of an HTTP status, as the upstream meter tags it. */
    public static String statusClass(Integer status) {
        if (status == null) {
            return "unreachable";
        }
        return status == 429 ? "429" : (status / 100) + "xx";
    }

    /** Whether meters record (gateway.metrics.enabled). */
    public boolean enabled() {
        return enabled;
    }

    private void count(Meter meter, String... tags) {
        if (!enabled) {
            return;
        }
        if (registry != null) {
            counter(meter, tags).increment();
        }
        emf.add(meter, dimensions(tags), 1);
    }

    private Counter counter(Meter meter, String... tags) {
        return counters.computeIfAbsent(key(meter, tags), k -> Counter.builder(meter.micrometerName())
                .description(meter.description()).tags(Tags.of(safe(tags))).register(registry));
    }

    private void time(Meter meter, Duration took, String... tags) {
        if (!enabled) {
            return;
        }
        if (registry != null) {
            timers.computeIfAbsent(key(meter, tags), k -> Timer.builder(meter.micrometerName())
                    .description(meter.description()).tags(Tags.of(safe(tags))).serviceLevelObjectives(SLOS)
                    .register(registry)).record(took);
        }
        emf.add(meter, dimensions(tags), took.toNanos() / (double) TimeUnit.MILLISECONDS.toNanos(1));
    }

    private static String key(Meter meter, String... tags) {
        return tags.length == 0 ? meter.name() : meter.name() + '|' + String.join("|", safe(tags));
    }

    private static Map<String, String> dimensions(String... tags) {
        if (tags.length == 0) {
            return Map.of();
        }
        String[] safe = safe(tags);
        Map<String, String> dims = new java.util.LinkedHashMap<>();
        for (int i = 0; i + 1 < safe.length; i += 2) {
            dims.put(safe[i], safe[i + 1]);
        }
        return dims;
    }

    private static String[] safe(String... tags) {
        String[] safe = tags.clone();
        for (int i = 1; i < safe.length; i += 2) {
            safe[i] = safe[i] == null || safe[i].isEmpty() ? "none" : safe[i];
        }
        return safe;
    }

    private static String wire(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
