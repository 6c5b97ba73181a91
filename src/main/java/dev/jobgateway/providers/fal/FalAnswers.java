package dev.jobgateway.providers.fal;

import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jobgateway.job.Report;
import dev.jobgateway.providers.HttpStatusException;
import dev.jobgateway.providers.ProviderCallException;
import dev.jobgateway.providers.ProviderHttp;

/**
 * How fal's status and result answers read in the gateway's terms, as fal's own clients read them. Pure: the
 * contract vectors ({@code vectors/fal/}) run through it without the application.
 */
final class FalAnswers {

    /**
     * Results the Python client asks for again ({@code fal_client} {@code RETRY_CODES}): not the request's outcome.
     * 401, 403 and 404 are ours to ask again too: a key fal refused, or a request it does not know (any more), say
     * nothing about how the request ended.
     */
    private static final Set<Integer> NO_ANSWER = Set.of(401, 403, 404, 408, 409, 429);
    /** {@code fal_client} {@code INGRESS_ERROR_CODES}: asked again unless fal's own server answered them. */
    private static final Set<Integer> INGRESS = Set.of(502, 503, 504);
    private static final Pattern CODE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    static final String ERROR_TYPE = "X-Fal-Error-Type";
    /** fal's own server answered ({@code fal_client} {@code _is_ingress_error}). */
    static final String REQUEST_ID = "X-Fal-Request-Id";
    /** The request's own start timeout ran out ({@code fal_client} {@code REQUEST_TIMEOUT_TYPE_HEADER}). */
    static final String TIMEOUT_TYPE = "X-Fal-Request-Timeout-Type";

    private FalAnswers() {
    }

    /**
     * What a status answer says: empty when the request {@code COMPLETED} and its result tells how it ended (fetch
     * it), else its report. The vocabulary is exactly {@code IN_QUEUE}, {@code IN_PROGRESS}, {@code COMPLETED}
     * (fal-js {@code types/common.ts}); any other word is no answer, as {@code fal_client} raises on it. A
     * {@code COMPLETED} status carrying {@code error} (and {@code error_type}) is a request that failed in fal's
     * infrastructure ({@code fal_client} {@code Completed}, {@code test_parse_status}: {@code runner_disconnected},
     * {@code request_timeout}): it failed, with fal's error, and there is no result to fetch.
     */
    static Optional<Report> status(JsonNode status) {
        String word = status.path("status").asText("");
        return switch (word) {
            case "IN_QUEUE" -> Optional.of(Report.queued(word,
                    status.path("queue_position").canConvertToInt() ? status.get("queue_position").asInt() : null));
            case "IN_PROGRESS" -> Optional.of(Report.running(word, null));
            case "COMPLETED" -> hasText(status, "error") || hasText(status, "error_type")
                    ? Optional.of(failed(word, code(text(status, "error_type")), text(status, "error"), null))
                    : Optional.empty();
            default -> throw new ProviderCallException("fal answered an unknown status '"
                    + shorten(word, 40) + "'.");
        };
    }

    /**
     * What the result of a completed request says, as {@code fal_client} reads it ({@code _raise_for_status},
     * {@code _should_retry_response}): a JSON result is the output; one that is not JSON fails with
     * {@code payload_error} (the job's output is JSON); an infrastructure error ({@code error_type} in the body, else
     * {@code X-Fal-Error-Type}; request-errors) fails with that type ({@code client_cancelled}: cancelled); a model
     * error (422 {@code {"detail": [...]}} without an error type; model-apis/errors) or any other error answer of
     * fal's fails with fal's detail. Throws {@link HttpStatusException}, no answer to ask again later, for what is not
     * the request's outcome: {@link #NO_ANSWER}, and a 502/503/504 that fal's own server did not send.
     */
    static Report result(ProviderHttp.Answer answer, JsonNode body) {
        if (answer.ok()) {
            if (body == null && answer.body().length > 0) {
                return Report.failed("COMPLETED", "fal finished the request, but its "
                        + "result is not JSON.", "payload_error");
            }
            return Report.succeeded("COMPLETED", body == null ? null : body.toString());
        }
        String errorType = body != null && hasText(body, "error_type") ? body.get("error_type").asText()
                : answer.header(ERROR_TYPE);
        boolean ingress = INGRESS.contains(answer.status()) && answer.header(REQUEST_ID) == null
                && answer.header(TIMEOUT_TYPE) == null;
        if (errorType == null && (NO_ANSWER.contains(answer.status()) || ingress)) {
            throw new HttpStatusException(answer, body != null && hasText(body, "detail")
                    ? shorten(body.get("detail").asText(), 200)
                    : null);
        }
        if ("client_cancelled".equals(errorType)) {
            return Report.cancelled("COMPLETED");
        }
        return failed("COMPLETED", code(errorType), detail(body), "HTTP " + answer.status());
    }

    /** A failure with fal's words: {@code fal reported the request failed (type, HTTP n): detail}. */
    private static Report failed(String upstream, String code, String detail, String httpStatus) {
        String why = code == null ? httpStatus : httpStatus == null ? code : code + ", " + httpStatus;
        String message = "fal reported the request failed" + (why == null ? "" : " (" + why + ")")
                + (detail == null ? "." : ": " + detail);
        return Report.failed(upstream, message, code);
    }

    /**
     * An error answer's {@code detail}: a string (request errors), or typed errors (model errors: the first one, with
     * the field it is about).
     */
    static String detail(JsonNode error) {
        JsonNode detail = error == null ? null : error.get("detail");
        if (detail != null && detail.isArray() && detail.size() > 0 && detail.get(0).path("msg").isTextual()) {
            JsonNode first = detail.get(0);
            JsonNode loc = first.path("loc");
            String field = loc.isArray() && loc.size() > 1 && loc.get(loc.size() - 1).isValueNode()
                    ? loc.get(loc.size() - 1).asText() + ": "
                    : "";
            return shorten(field + first.get("msg").asText(), 200);
        }
        if (detail != null && detail.isTextual()) {
            return shorten(detail.asText(), 200);
        }
        return null;
    }

    /** fal's error type as the job's {@code error.code}, when it is one (a short word); else null. */
    private static String code(String errorType) {
        return errorType != null && CODE.matcher(errorType).matches() ? errorType : null;
    }

    private static boolean hasText(JsonNode node, String field) {
        return node.path(field).isTextual() && !node.get(field).asText().isBlank();
    }

    private static String text(JsonNode node, String field) {
        return hasText(node, field) ? shorten(node.get(field).asText(), 200) : null;
    }

    static String shorten(String text, int max) {
        return text.length() > max ? text.substring(0, max) + "..." : text;
    }
}
