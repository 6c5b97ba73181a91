package dev.jobgateway.providers;

import java.io.IOException;
import java.util.Optional;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

import dev.jobgateway.job.Report;
import dev.jobgateway.platform.ProblemType;

/**
 * Reading an authenticated webhook whose body is one JSON object of the provider's (a prediction, a job status), the
 * same for every such provider: what differs is the object's type and the statuses it may carry.
 */
public final class WebhookBodies {

    private WebhookBodies() {
    }

    /** A reader of {@code type} that refuses anything after the object (a body is one object, nothing else). */
    public static ObjectReader reader(ObjectMapper mapper, Class<?> type) {
        return mapper.readerFor(type).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** The body as the reader's type; {@code invalid-json} (400), "The webhook body is not {@code what}.", if not. */
    public static <T> T read(ObjectReader reader, byte[] body, String what) {
        try {
            T value = reader.readValue(body);
            if (value == null) {
                throw new IOException("empty");
            }
            return value;
        } catch (IOException e) {
            throw ProblemType.INVALID_JSON.with("The webhook body is not " + what + ".");
        }
    }

    /**
     * The report of a webhook whose {@code status} the adapter read as {@code report}; {@code unknown-status} (422),
     * "Status '...' is not one of {@code known}.", when it is empty.
     */
    public static Report report(Optional<Report> report, String status, String known) {
        return report.orElseThrow(() -> ProblemType.UNKNOWN_STATUS.with("Status '"
                + ProviderCallException.shown(status) + "' is not one of " + known + "."));
    }
}
