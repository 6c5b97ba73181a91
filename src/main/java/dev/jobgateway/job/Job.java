package dev.jobgateway.job;

import java.time.Instant;
import java.util.List;

import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A job as every read returns it (snake_case on the wire). */
@RegisterForReflection
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Job(
        String id,
        JobStatus status,
        @Schema(description = "the AI-server provider the job was handed to (generic, replicate, fal)") String provider,
        @Schema(description = "the provider-specific model the job runs, if the provider has one") String model,
        @Schema(description = "the job's place in the provider's queue while it waits there (0 = next), if the "
                + "provider tells it") Integer queuePosition,
        // Stored as JSON text written by the gateway itself: sent as it is, not parsed and written again per read.
        @JsonRawValue @Schema(type = SchemaType.OBJECT, description = "the job's input, as submitted") String input,
        @JsonRawValue @Schema(type = SchemaType.OBJECT, description = "the AI server's result; with output storage "
                + "on, its files' URLs are those of the stored copies once stored") String output,
        @Schema(description = "with output storage on, where the copies of a succeeded job's files are: pending, "
                + "stored, source_expired or failed; null when storage is off or the job has no files") String outputStorage,
        @Schema(description = "with output storage on, the job's output files: the copy's url and the AI server's "
                + "source_url") List<OutputFile> outputFiles,
        Double progress,
        String errorMessage,
        JobError error,
        String completedVia,
        Delivery delivery,
        long version,
        Instant createdAt,
        Instant updatedAt,
        Instant completedAt,
        Long pollAfterMs) {

    /**
     * Why a job failed, and who said so: {@code ai_server}, {@code submit}, {@code timeout},
     * {@code upstream_unreachable}, {@code upstream_lost} (a poll-only AI server no longer knows the job, e.g. it
     * restarted and lost its history).
     */
    /** Who ended a failed job: the {@code error.source} of the API. */
    @RegisterForReflection
    public enum ErrorSource {
        /** The AI server reported the job failed. */
        AI_SERVER,
        /** The job did not end by its deadline. */
        TIMEOUT,
        /** The deadline passed while the AI server could not be reached. */
        UPSTREAM_UNREACHABLE,
        /** The AI server never took the job. */
        SUBMIT,
        /** The AI server no longer knows the job (its results were removed, or it lost them). */
        UPSTREAM_LOST;

        @com.fasterxml.jackson.annotation.JsonValue
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    @RegisterForReflection
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record JobError(ErrorSource source, String code, String message) {

        /** The AI server reported the job failed, with its message if it gave one. */
        public static JobError fromAiServer(String message) {
            return fromAiServer(null, message);
        }

        /** The AI server reported the job failed; {@code code} null is {@code generation_failed}. */
        public static JobError fromAiServer(String code, String message) {
            return new JobError(ErrorSource.AI_SERVER, code == null ? "generation_failed" : code,
                    message == null || message.isBlank() ? "The AI server reported the job as failed." : message);
        }
    }

    /** Terminal, and no copy of its files pending: nothing about the job will change any more. */
    @JsonIgnore
    public boolean settled() {
        return status.isTerminal() && !"pending".equals(outputStorage);
    }

    /**
     * One output file: {@code url} is the stored copy (null until stored), {@code source_url} the AI server's URL
     * (null for a data URL, whose bytes are never kept); {@code state} pending, stored, source_expired, failed or
     * skipped (past {@code gateway.outputs.max-files}).
     */
    @RegisterForReflection
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record OutputFile(int index, String url, String sourceUrl, String contentType, Long sizeBytes,
            String state, String reason) {
    }

    /** How the gateway learned what it knows, kept apart from what happened to the job. */
    @RegisterForReflection
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Delivery(String state, int webhooksReceived, Instant lastWebhookAt, Instant lastUpstreamCheckAt,
            @Schema(description = "when the job is expected to finish, from how long this provider's (and model's) "
                    + "recent jobs took; null without enough history. A job whose webhook has not come by then is "
                    + "checked with the AI server soon after") Instant expectedAt) {
    }
}
