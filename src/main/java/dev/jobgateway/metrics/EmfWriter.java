package dev.jobgateway.metrics;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.platform.GatewayConfig;

/**
 * The meters as CloudWatch Embedded Metric Format: what an invocation recorded is kept in memory and written as a few
 * JSON lines on stdout when its answer goes out ({@link EmfFlush}), one line per set of dimension values. CloudWatch
 * Logs turns those lines into metrics; no network call is made on the request path, and nothing is written for an
 * invocation that recorded nothing. Counts are summed per line; durations are sent as value arrays (at most 100 per
 * metric and line, as the format allows), so CloudWatch computes percentiles.
 */
@ApplicationScoped
public class EmfWriter {

    static final int MAX_VALUES = 100;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final boolean enabled;
    private final String namespace;
    private final Map<Map<String, String>, Map<Meter, Aggregate>> pending = new java.util.HashMap<>();
    private final Map<Meter, Double> gauges = new EnumMap<>(Meter.class);
    private final Map<Meter, Supplier<Number>> gaugeSources = new EnumMap<>(Meter.class);
    private final Map<Meter, Double> gaugesSent = new EnumMap<>(Meter.class);
    private Consumer<String> out = System.out::println;

    @Inject
    EmfWriter(GatewayConfig config) {
        this(switch (config.metrics().emf()) {
            case "on" -> true;
            case "off" -> false;
            default -> System.getenv("AWS_LAMBDA_FUNCTION_NAME") != null;
        } && config.metrics().enabled(), config.metrics().emfNamespace());
    }

    EmfWriter(boolean enabled, String namespace) {
        this.enabled = enabled;
        this.namespace = namespace;
    }

    public boolean enabled() {
        return enabled;
    }

    /** Where the lines go (stdout; tests read them). */
    void writeTo(Consumer<String> sink) {
        this.out = sink;
    }

    synchronized void add(Meter meter, Map<String, String> dimensions, double value) {
        if (!enabled || meter.emfName() == null) {
            return;
        }
        Aggregate aggregate = pending.computeIfAbsent(new TreeMap<>(dimensions), d -> new EnumMap<>(Meter.class))
                .computeIfAbsent(meter, m -> new Aggregate());
        if ("Count".equals(meter.unit())) {
            aggregate.sum += value;
        } else if (aggregate.values.size() < MAX_VALUES) {
            aggregate.values.add(value);
        }
    }

    synchronized void set(Meter gauge, double value) {
        if (enabled) {
            gauges.put(gauge, value);
        }
    }

    synchronized void gauge(Meter gauge, Supplier<Number> source) {
        if (enabled) {
            gaugeSources.put(gauge, source);
        }
    }

    /** Writes what was recorded since the last flush. */
    public void flush() {
        if (enabled) {
            drain().forEach(out);
        }
    }

    /**
     * The EMF lines of what was recorded since the last call, which is forgotten. Gauges ride along when anything else
     * is sent or they changed since they were last sent.
     */
    synchronized List<String> drain() {
        gaugeSources.forEach((meter, source) -> gauges.put(meter, source.get().doubleValue()));
        Map<Meter, Double> changedGauges = new EnumMap<>(Meter.class);
        gauges.forEach((meter, value) -> {
            if (!pending.isEmpty() || !value.equals(gaugesSent.get(meter))) {
                changedGauges.put(meter, value);
            }
        });
        if (pending.isEmpty() && changedGauges.isEmpty()) {
            return List.of();
        }
        // CloudWatch files a record under this time and refuses one far from its own: the system's time, not the
        // gateway's clock, which a test may have moved.
        long now = System.currentTimeMillis();
        List<String> lines = new ArrayList<>();
        if (!changedGauges.isEmpty()) {
            Map<Meter, Aggregate> withoutDimensions = pending.computeIfAbsent(new TreeMap<>(),
                    d -> new EnumMap<>(Meter.class));
            changedGauges.forEach((meter, value) -> {
                Aggregate gauge = new Aggregate();
                gauge.sum = value;
                withoutDimensions.put(meter, gauge);
                gaugesSent.put(meter, value);
            });
        }
        pending.forEach((dimensions, metrics) -> lines.add(line(now, dimensions, metrics)));
        pending.clear();
        return lines;
    }

    private String line(long now, Map<String, String> dimensions, Map<Meter, Aggregate> metrics) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode aws = root.putObject("_aws");
        aws.put("Timestamp", now);
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", namespace);
        ArrayNode sets = directive.putArray("Dimensions");
        for (List<String> set : dimensionSets(dimensions)) {
            ArrayNode names = sets.addArray();
            set.forEach(names::add);
        }
        ArrayNode definitions = directive.putArray("Metrics");
        dimensions.forEach(root::put);
        metrics.forEach((meter, aggregate) -> {
            definitions.addObject().put("Name", meter.emfName()).put("Unit", meter.unit());
            if (aggregate.values.isEmpty()) {
                root.put(meter.emfName(), aggregate.sum);
            } else {
                ArrayNode values = root.putArray(meter.emfName());
                aggregate.values.forEach(values::add);
            }
        });
        return root.toString();
    }

    /**
     * The full set of dimensions, and the roll-ups the alarms use: per provider alone, per provider and how jobs
     * completed (the missing-webhook ratio), per provider and status class (upstream unreachable).
     */
    static List<List<String>> dimensionSets(Map<String, String> dimensions) {
        List<List<String>> sets = new ArrayList<>();
        List<String> all = List.copyOf(dimensions.keySet());
        sets.add(all);
        if (dimensions.containsKey("provider") && all.size() > 1) {
            sets.add(List.of("provider"));
            for (String pairedWith : List.of("completed_via", "status_class")) {
                if (dimensions.containsKey(pairedWith) && all.size() > 2) {
                    sets.add(List.of("provider", pairedWith));
                }
            }
        }
        return sets;
    }

    private static final class Aggregate {
        double sum;
        final List<Double> values = new ArrayList<>();
    }
}
