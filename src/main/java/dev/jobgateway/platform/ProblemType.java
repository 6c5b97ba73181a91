package dev.jobgateway.platform;

/**
 * Every problem the gateway answers, once: its HTTP status, {@code type} (rendered as the absolute URI
 * {@link #BASE_URI}{@code <type>}, RFC 9457's advice: a relative one would resolve against the gateway's own host,
 * which documents nothing) and title. Errors are raised as {@link ApiException} of one of these and rendered by
 * {@link ProblemMapper}; the error table of docs/errors.md and the OpenAPI document's ProblemType are checked against
 * this list.
 */
public enum ProblemType {
    INVALID_JSON(400, "invalid-json", "Malformed JSON"),
    INVALID_IDEMPOTENCY_KEY(400, "invalid-idempotency-key", "Invalid Idempotency-Key"),
    INVALID_WAIT(400, "invalid-wait", "Invalid wait"),
    MISSING_IDS(400, "missing-ids", "Missing ids"),
    TOO_MANY_IDS(400, "too-many-ids", "Too many ids"),
    INVALID_VERSION(400, "invalid-version", "Invalid version"),
    INVALID_PAGE(400, "invalid-page", "Invalid page"),
    INVALID_API_KEY(401, "invalid-api-key", "Invalid API key"),
    INVALID_WEBHOOK_SIGNATURE(401, "invalid-webhook-signature", "Webhook not authenticated"),
    JOB_NOT_FOUND(404, "job-not-found", "Job not found"),
    UNKNOWN_PROVIDER(404, "unknown-provider", "Unknown provider"),
    NOT_FOUND(404, "not-found", "Not found"),
    READ_TOKENS_DISABLED(404, "read-tokens-disabled", "Read tokens are disabled"),
    METHOD_NOT_ALLOWED(405, "method-not-allowed", "Method not allowed"),
    IDEMPOTENCY_KEY_IN_FLIGHT(409, "idempotency-key-in-flight", "Request in progress"),
    BODY_TOO_LARGE(413, "body-too-large", "Request body too large"),
    INPUT_TOO_LARGE(413, "input-too-large", "Job input too large"),
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "Unsupported media type"),
    INVALID_REQUEST(422, "invalid-request", "Invalid request"),
    IDEMPOTENCY_KEY_REUSED(422, "idempotency-key-reused", "Idempotency-Key reused"),
    UNKNOWN_STATUS(422, "unknown-status", "Unknown status"),
    INVALID_PROGRESS(422, "invalid-progress", "Invalid progress"),
    EXTERNAL_ID_MISMATCH(422, "external-id-mismatch", "Webhook names another job"),
    INTERNAL_ERROR(500, "internal-error", "Internal error"),
    STORE_UNAVAILABLE(503, "store-unavailable", "Service temporarily unavailable"),
    WEBHOOK_KEYS_UNAVAILABLE(503, "webhook-keys-unavailable", "Webhook keys unavailable"),
    WEBHOOK_UNCONFIRMED(503, "webhook-unconfirmed", "Webhook not confirmed yet");

    /** Where every problem type's URI starts; docs/errors.md has a section for each, named by its last segment. */
    public static final String BASE_URI = "https://job-gateway.dev/problems/";

    private final int status;
    private final String type;
    private final String title;

    ProblemType(int status, String type, String title) {
        this.status = status;
        this.type = type;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    /** The absolute URI the {@code type} member of this problem's answers carries. */
    public String uri() {
        return BASE_URI + type;
    }

    public String title() {
        return title;
    }

    /** This problem with a detail for this occurrence, to be thrown. */
    public ApiException with(String detail) {
        return new ApiException(this, detail);
    }

    /** This problem as its response body. */
    public Problem problem(String detail) {
        return Problem.of(status, type, title, detail);
    }
}
