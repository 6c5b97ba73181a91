package dev.jobgateway.providers.runpod;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Progress from an {@code IN_PROGRESS} job's {@code output}, where a worker's {@code progress_update(job, progress)}
 * puts whatever it was given (runpod-python {@code rp_progress.py}: {@code {"status": "IN_PROGRESS", "output":
 * progress}}). Read: a percentage ({@code "50%"}, runpod-python's own test), a step count ({@code "Update 1/3"},
 * runpod/docs {@code handler-functions.mdx}), a number (0 to 1 a fraction, above 1 up to 100 a percentage), or an
 * object's {@code progress} / {@code percent} / {@code percentage} member read the same way; anything else is no
 * progress.
 */
final class RunPodProgress {

    private static final Pattern PERCENT = Pattern.compile("(\\d{1,3}(?:\\.\\d+)?)\\s*%");
    private static final Pattern STEPS = Pattern.compile("(\\d{1,9})\\s*/\\s*(\\d{1,9})");
    private static final String[] MEMBERS = { "progress", "percent", "percentage" };

    private RunPodProgress() {
    }

    /** The progress 0 to 1 the output tells, or null. */
    static Double of(JsonNode output) {
        if (output == null) {
            return null;
        }
        if (output.isObject()) {
            for (String member : MEMBERS) {
                JsonNode value = output.get(member);
                if (value != null && value.isValueNode()) {
                    return of(value);
                }
            }
            return null;
        }
        if (output.isNumber()) {
            return fraction(output.asDouble());
        }
        if (!output.isTextual()) {
            return null;
        }
        String text = output.asText();
        Matcher percent = PERCENT.matcher(text);
        if (percent.find()) {
            return valid(Double.parseDouble(percent.group(1)) / 100);
        }
        Matcher steps = STEPS.matcher(text);
        if (steps.find()) {
            long done = Long.parseLong(steps.group(1));
            long total = Long.parseLong(steps.group(2));
            return total == 0 ? null : valid((double) done / total);
        }
        try {
            return fraction(Double.parseDouble(text.strip()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Double fraction(double value) {
        return value > 1 ? valid(value / 100) : valid(value);
    }

    private static Double valid(double value) {
        return value >= 0 && value <= 1 && !Double.isNaN(value) ? value : null;
    }
}
