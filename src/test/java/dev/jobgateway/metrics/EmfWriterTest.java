package dev.jobgateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The EMF lines are what CloudWatch's Embedded Metric Format specification asks for: a JSON object per line with
 * {@code _aws.Timestamp} (epoch ms) and {@code _aws.CloudWatchMetrics} directives of {@code Namespace},
 * {@code Dimensions} (arrays of names, each a top-level string member) and {@code Metrics} (names with units, each a
 * top-level number or array of at most 100 numbers); one invocation's meters are batched into few lines.
 */
class EmfWriterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> UNITS = Set.of("Count", "Milliseconds", "None", "Seconds");

    @Test
    void anInvocationsMetersAreBatchedIntoSpecConformingLines() throws Exception {
        EmfWriter emf = new EmfWriter(true, "JobGateway");
        List<String> out = new ArrayList<>();
        emf.writeTo(out::add);
        for (int i = 0; i < 3; i++) {
            emf.add(Meter.WEBHOOKS_RECEIVED, Map.of("provider", "generic", "result", "applied"), 1);
        }
        emf.add(Meter.WEBHOOKS_RECEIVED, Map.of("provider", "generic", "result", "duplicate"), 1);
        for (int i = 0; i < 150; i++) {
            emf.add(Meter.WEBHOOK_DELIVERY_LAG, Map.of("provider", "generic"), 40 + i);
        }
        emf.add(Meter.JOBS_COMPLETED, Map.of("provider", "fal", "status", "succeeded", "completed_via", "poll"), 1);
        emf.set(Meter.SWEEPER_OVERDUE, 7);

        emf.flush();

        assertThat(out).as("one line per set of dimension values").hasSize(5);
        long before = System.currentTimeMillis() - 60_000;
        for (String line : out) {
            assertThat(line).doesNotContain("\n");
            assertConformsToEmf(JSON.readTree(line), before);
        }
        JsonNode applied = line(out, "result", "applied");
        assertThat(applied.path("WebhooksReceived").asDouble()).isEqualTo(3);
        assertThat(applied.path("provider").asText()).isEqualTo("generic");
        JsonNode lag = JSON.readTree(out.stream().filter(l -> l.contains("WebhookDeliveryLag")).findFirst()
                .orElseThrow());
        assertThat(lag.path("WebhookDeliveryLag").size()).isEqualTo(EmfWriter.MAX_VALUES);
        JsonNode completed = line(out, "completed_via", "poll");
        assertThat(dimensionSets(completed)).contains(List.of("provider"), List.of("provider", "completed_via"));
        JsonNode gauges = JSON.readTree(out.stream().filter(l -> l.contains("SweeperOverdue")).findFirst()
                .orElseThrow());
        assertThat(gauges.path("SweeperOverdue").asDouble()).isEqualTo(7);

        out.clear();
        emf.flush();
        assertThat(out).as("nothing recorded, gauges unchanged: no line").isEmpty();
    }

    @Test
    void writesNothingWhenOff() {
        EmfWriter emf = new EmfWriter(false, "JobGateway");
        List<String> out = new ArrayList<>();
        emf.writeTo(out::add);
        emf.add(Meter.WAITS, Map.of("result", "timeout"), 1);

        emf.flush();

        assertThat(out).isEmpty();
    }

    /** The structure the EMF specification requires (docs.aws.amazon.com, "Embedded metric format specification"). */
    private static void assertConformsToEmf(JsonNode root, long notBefore) {
        assertThat(root.isObject()).isTrue();
        JsonNode aws = root.path("_aws");
        assertThat(aws.path("Timestamp").isIntegralNumber()).isTrue();
        assertThat(aws.path("Timestamp").asLong()).isBetween(notBefore, System.currentTimeMillis());
        JsonNode directives = aws.path("CloudWatchMetrics");
        assertThat(directives.isArray()).isTrue();
        assertThat(directives.size()).isGreaterThanOrEqualTo(1);
        for (JsonNode directive : directives) {
            assertThat(directive.path("Namespace").asText()).isNotBlank().hasSizeLessThanOrEqualTo(1024);
            JsonNode dimensions = directive.path("Dimensions");
            assertThat(dimensions.isArray()).isTrue();
            Set<String> distinct = new HashSet<>();
            for (JsonNode set : dimensions) {
                assertThat(set.isArray()).isTrue();
                assertThat(set.size()).isLessThanOrEqualTo(30);
                for (JsonNode name : set) {
                    assertThat(root.path(name.asText()).isTextual())
                            .as("dimension %s is a top-level string member", name).isTrue();
                }
                assertThat(distinct.add(set.toString())).as("dimension sets are distinct").isTrue();
            }
            JsonNode metrics = directive.path("Metrics");
            assertThat(metrics.isArray()).isTrue();
            assertThat(metrics.size()).isBetween(1, 100);
            for (JsonNode metric : metrics) {
                String name = metric.path("Name").asText();
                assertThat(name).isNotBlank().hasSizeLessThanOrEqualTo(1024);
                assertThat(UNITS).contains(metric.path("Unit").asText());
                JsonNode value = root.path(name);
                if (value.isArray()) {
                    assertThat(value.size()).isBetween(1, 100);
                    value.forEach(v -> assertThat(v.isNumber()).isTrue());
                } else {
                    assertThat(value.isNumber()).as("metric %s is a number", name).isTrue();
                }
            }
        }
    }

    private static JsonNode line(List<String> lines, String dimension, String value) throws Exception {
        for (String line : lines) {
            JsonNode root = JSON.readTree(line);
            if (value.equals(root.path(dimension).asText())) {
                return root;
            }
        }
        throw new AssertionError("no line with " + dimension + "=" + value + " in " + lines);
    }

    private static List<List<String>> dimensionSets(JsonNode root) {
        List<List<String>> sets = new ArrayList<>();
        for (JsonNode set : root.path("_aws").path("CloudWatchMetrics").get(0).path("Dimensions")) {
            List<String> names = new ArrayList<>();
            set.forEach(n -> names.add(n.asText()));
            sets.add(names);
        }
        return sets;
    }
}
