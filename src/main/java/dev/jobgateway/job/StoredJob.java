package dev.jobgateway.job;

import java.time.Instant;
import java.util.Map;

/** A job's Redis hash, typed. Holds internal fields (owner, external id, token hash) the API never shows. */
public record StoredJob(Map<String, String> fields) {

    static final String ID = "id";
    static final String OWNER = "owner";
    static final String STATUS = "status";
    static final String INPUT = "input";
    static final String OUTPUT = "output";
    static final String PROGRESS = "progress";
    static final String ERROR = "error";
    static final String COMPLETED_VIA = "completed_via";
    static final String DELIVERY_STATE = "delivery_state";
    static final String WEBHOOKS_RECEIVED = "webhooks_received";
    static final String LAST_WEBHOOK_AT = "last_webhook_at";
    static final String LAST_UPSTREAM_CHECK_AT = "last_upstream_check_at";
    static final String VERSION = "version";
    static final String CREATED_AT = "created_at";
    static final String UPDATED_AT = "updated_at";
    static final String COMPLETED_AT = "completed_at";
    static final String DEADLINE_AT = "deadline_at";
    static final String PROVIDER = "provider";
    static final String EXTERNAL_ID = "external_id";
    /** What the provider kept with the job at hand-off ({@code Handoff.handle}); internal, never in a job read. */
    static final String PROVIDER_HANDLE = "provider_handle";
    static final String WEBHOOK_TOKEN_HASH = "webhook_token_hash";
    static final String UPSTREAM_FAILURES = "upstream_failures";
    static final String MODEL = "model";
    static final String QUEUE_POSITION = "queue_position";
    static final String OUTPUT_STORAGE = "output_storage";
    static final String OUTPUT_FILES = "output_files";
    static final String OUTPUT_ATTEMPTS = "output_attempts";
    static final String EXPECTED_AT = "expected_at";
    /** 2 once the job was handed to its AI server a second time (a lost result run again); absent: 1. */
    static final String GENERATION = "generation";
    /**
     * The fields of a job's head ({@code JobStore.head}): enough to tell its owner, its version and whether a check
     * with the AI server is due ({@code Reconciler.isDue}), and whether its answer carries presigned links (its output
     * files: the {@code ETag} then names their presigning window), without its input, output or timestamps.
     */
    static final String[] HEAD_FIELDS = { ID, OWNER, STATUS, VERSION, UPDATED_AT, LAST_UPSTREAM_CHECK_AT,
            EXTERNAL_ID, DEADLINE_AT, PROVIDER, EXPECTED_AT, UPSTREAM_FAILURES, OUTPUT_FILES };

    public String id() {
        return fields.get(ID);
    }

    public String owner() {
        return fields.get(OWNER);
    }

    public JobStatus status() {
        return JobStatus.fromWire(fields.get(STATUS)).orElseThrow();
    }

    public long version() {
        return Long.parseLong(fields.getOrDefault(VERSION, "0"));
    }

    public String provider() {
        return fields.get(PROVIDER);
    }

    /** The provider-specific routing the job was submitted with (e.g. a Replicate model), or null. */
    public String model() {
        return text(MODEL);
    }

    /** The AI server's id for this job, or null before the hand-off is recorded. */
    public String externalId() {
        return fields.get(EXTERNAL_ID);
    }

    /** What the provider kept with the job when it took it ({@code Handoff.handle}), or null. */
    public String providerHandle() {
        return text(PROVIDER_HANDLE);
    }

    public Instant deadlineAt() {
        return instant(DEADLINE_AT);
    }

    /** Which run of the job this is: 1, or 2 once its lost result was run again. */
    public int generation() {
        String generation = fields.get(GENERATION);
        return generation == null ? 1 : Integer.parseInt(generation);
    }

    public Instant createdAt() {
        return instant(CREATED_AT);
    }

    /** How the job ended ({@code webhook}, {@code poll}, {@code cancel}, {@code timeout}), or null while it runs. */
    public String completedVia() {
        return text(COMPLETED_VIA);
    }

    /** When the gateway last heard anything about the job: a change, or a check with the AI server. */
    public Instant lastNewsAt() {
        Instant updated = instant(UPDATED_AT);
        Instant checked = instant(LAST_UPSTREAM_CHECK_AT);
        return checked != null && checked.isAfter(updated) ? checked : updated;
    }

    /** When the job is expected to finish ({@link DurationHistory}), or null: no history when it was submitted. */
    public Instant expectedAt() {
        return instant(EXPECTED_AT);
    }

    /** When the gateway last asked the AI server about the job, or null if it never did. */
    public Instant lastUpstreamCheckAt() {
        return instant(LAST_UPSTREAM_CHECK_AT);
    }

    /** Checks with the AI server that failed in a row. */
    public int upstreamFailures() {
        String value = text(UPSTREAM_FAILURES);
        return value == null ? 0 : Integer.parseInt(value);
    }

    /** Where the copies of the job's output files are ({@code pending}, {@code stored}, ...), or null. */
    public Job.OutputState outputStorage() {
        return Job.OutputState.fromWire(text(OUTPUT_STORAGE));
    }

    /** The job's output files as JSON ({@code dev.jobgateway.outputs.StoredFile}s), or null. */
    public String outputFilesJson() {
        return text(OUTPUT_FILES);
    }

    /** The output as stored (data URLs already replaced by their copies' places), or null. */
    public String outputJson() {
        return text(OUTPUT);
    }

    /** Copy attempts that failed so far. */
    public int outputAttempts() {
        String value = text(OUTPUT_ATTEMPTS);
        return value == null ? 0 : Integer.parseInt(value);
    }

    /** The job's input as submitted (JSON text), or null. */
    public String inputJson() {
        return fields.get(INPUT);
    }

    public String webhookTokenHash() {
        return fields.get(WEBHOOK_TOKEN_HASH);
    }

    String text(String field) {
        String value = fields.get(field);
        return value == null || value.isEmpty() ? null : value;
    }

    Instant instant(String field) {
        String value = text(field);
        return value == null ? null : Instant.parse(value);
    }
}
