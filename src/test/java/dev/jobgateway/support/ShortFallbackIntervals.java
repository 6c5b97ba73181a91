package dev.jobgateway.support;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The test profile of fallback tests: overdue after 300 ms without news, one check per second per job (doubling to
 * at most 4 s). One class for all of them, so Quarkus boots the app once for all.
 */
public class ShortFallbackIntervals implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "gateway.fallback.check-after", "300ms",
                "gateway.fallback.check-interval", "1s",
                "gateway.fallback.max-check-interval", "4s");
    }
}
