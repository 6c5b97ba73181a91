package dev.jobgateway.metrics;

import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * How one provider's deliveries went over a window: webhooks by result (everything but {@code applied} was
 * ignored or refused, by that reason), fallback checks by result, completions by way, the missing-webhook ratio
 * (completed via poll over completed via webhook or poll) and the delivery lag's percentiles (bucket upper bounds in
 * ms; -1 above the last bucket, null without data).
 */
@RegisterForReflection
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DeliveryReport(String provider, Map<String, Long> webhooks, Map<String, Long> ignoredByReason,
        Map<String, Long> polls, Map<String, Long> completedVia, Double missingWebhookRatio, Long lagP50Ms,
        Long lagP90Ms, Long lagP99Ms, long lagSamples) {

    /** The report from the summed per-minute counts of {@link DeliveryStats}. */
    public static DeliveryReport of(String provider, Map<String, Long> counts) {
        Map<String, Long> webhooks = prefixed(counts, "webhook:");
        Map<String, Long> ignored = new TreeMap<>(webhooks);
        ignored.remove("applied");
        Map<String, Long> completed = prefixed(counts, "completed:");
        long viaWebhook = completed.getOrDefault("webhook", 0L);
        long viaPoll = completed.getOrDefault("poll", 0L);
        long samples = prefixed(counts, "lag_le:").values().stream().mapToLong(Long::longValue).sum();
        return new DeliveryReport(provider, webhooks, ignored, prefixed(counts, "check:"), completed,
                viaWebhook + viaPoll == 0 ? null : (double) viaPoll / (viaWebhook + viaPoll),
                DeliveryStats.lagPercentile(counts, 0.5), DeliveryStats.lagPercentile(counts, 0.9),
                DeliveryStats.lagPercentile(counts, 0.99), samples);
    }

    private static Map<String, Long> prefixed(Map<String, Long> counts, String prefix) {
        Map<String, Long> found = new TreeMap<>();
        counts.forEach((field, n) -> {
            if (field.startsWith(prefix)) {
                found.put(field.substring(prefix.length()), n);
            }
        });
        return found;
    }
}
