package dev.jobgateway.api;

import java.time.Duration;

import dev.jobgateway.platform.ProblemType;

/**
 * How long a read may be held: {@code ?wait=N} or {@code Prefer: wait=N} (RFC 7240), in whole seconds, clamped to
 * the configured maximum. A malformed query parameter is the client's mistake (400); a malformed preference is
 * ignored, as RFC 7240 asks of preferences a server cannot honour.
 *
 * @param preferred whether it came from {@code Prefer}, which the answer then acknowledges in
 *        {@code Preference-Applied}
 */
record WaitRequest(Duration duration, boolean preferred) {

    static final WaitRequest NONE = new WaitRequest(Duration.ZERO, false);

    /** Larger numbers are not a wait anyone means; they are refused instead of silently clamped. */
    private static final int MAX_DIGITS = 9;

    static WaitRequest parse(String query, String prefer, Duration max) {
        if (query != null) {
            Long seconds = seconds(query.trim());
            if (seconds == null) {
                throw ProblemType.INVALID_WAIT.with("'wait' must be a whole number of seconds (0 to " + max.toSeconds()
                        + "; larger values are clamped to " + max.toSeconds() + ").");
            }
            return new WaitRequest(clamp(seconds, max), false);
        }
        Long preferred = preferredWait(prefer);
        return preferred == null ? NONE : new WaitRequest(clamp(preferred, max), true);
    }

    String preferenceApplied() {
        return "wait=" + duration.toSeconds();
    }

    private static Long preferredWait(String prefer) {
        if (prefer == null) {
            return null;
        }
        for (String preference : prefer.split("[,;]")) {
            String[] nameValue = preference.trim().split("=", 2);
            if (nameValue.length == 2 && nameValue[0].trim().equalsIgnoreCase("wait")) {
                return seconds(nameValue[1].trim().replace("\"", ""));
            }
        }
        return null;
    }

    private static Long seconds(String text) {
        if (text.isEmpty() || text.length() > MAX_DIGITS) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return null;
            }
        }
        return Long.parseLong(text);
    }

    private static Duration clamp(long seconds, Duration max) {
        Duration requested = Duration.ofSeconds(seconds);
        return requested.compareTo(max) > 0 ? max : requested;
    }
}
