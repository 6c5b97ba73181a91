package dev.jobgateway.providers.cog;

import java.util.List;

/**
 * What Cog's {@code GET /health-check} says (always 200; the state is in the body): {@code status}, one of
 * {@link #STATUSES} (coglet {@code health.rs} {@code HealthResponse}; the Python server has no {@code UNKNOWN} and
 * no {@code UNHEALTHY}), and when its setup last started, i.e. when the server last (re)started.
 *
 * @param status the server's state, as Cog words it
 * @param setupStartedAt {@code setup.started_at} as Cog gives it (ISO 8601), or null
 */
record CogHealth(String status, String setupStartedAt) {

    /** Every status coglet's health check answers ({@code HealthResponse}, serialized SCREAMING_SNAKE_CASE). */
    static final List<String> STATUSES = List.of("UNKNOWN", "STARTING", "READY", "BUSY", "SETUP_FAILED", "DEFUNCT",
            "UNHEALTHY");

    boolean known() {
        return STATUSES.contains(status);
    }

    /** For a timeline message: {@code READY, setup started 2026-01-01T00:00:00+00:00}. */
    String describe() {
        return status + (setupStartedAt == null ? "" : ", setup started " + setupStartedAt);
    }
}
