package dev.jobgateway.platform;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Every timestamp the gateway writes: UTC, millisecond precision, ISO-8601. */
public final class Timestamps {

    private Timestamps() {
    }

    public static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
