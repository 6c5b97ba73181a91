package dev.jobgateway.support;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The test profile of the learned first checks: durations learned from three webhooks on, the fixed rule at its
 * production 20 s (so that a check made up in a second or two can only be the learned one), a 300 ms margin.
 */
public class LearnedDurations implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "gateway.fallback.learn-durations", "true",
                "gateway.fallback.duration-min-samples", "3",
                "gateway.fallback.expected-margin", "300ms",
                "gateway.fallback.check-after", "20s",
                "gateway.fallback.check-interval", "20s");
    }
}
