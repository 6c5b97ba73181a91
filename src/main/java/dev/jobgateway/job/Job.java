package dev.jobgateway.job;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A job as every read returns it (snake_case on the wire). */
@RegisterForReflection
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Job(
        String id,
        @Schema(enumeration = {
                "queued", "running", "succeeded", "failed", "cancelled" }) JobStatus status,
        @Schema(description = "the AI-server provider the job was handed to", enumeration = { "generic", "replicate",
                "fal", "comfyui", "runpod", "cog" }) String provider,
        @Schema(nullable = true, description = "the provider-specific model the job runs, if the provider has "
                + "one") String model,
        @Schema(nullable = true, description = "the job's place in the provider's queue while it waits there "
                + "(0 = next), if the provider tells it") Integer queuePosition,
        // Stored as JSON text written by the gateway itself: sent as it is, not parsed and written again per read.
        @JsonRawValue @Schema(type = SchemaType.OBJECT, description = "the job's input, as submitted") String input,
        @JsonRawValue @Schema(ref = "JobOutput") String output,
        @Schema(nullable = true, description = "with output storage on, where the copies of a succeeded job's "
                + "files are; null when storage is off or the job has no files", enumeration = { "pending", "stored",
                        "source_expired", "failed" }) OutputState outputStorage,
        @Schema(nullable = true, description = "with output storage on, the job's output files: the copy's url "
                + "and the AI server's source_url") List<OutputFile> outputFiles,
        @Schema(nullable = true, minimum = "0", maximum = "1") Double progress,
        @Schema(nullable = true) String errorMessage,
        @Schema(nullable = true) JobError error,
        @Schema(nullable = true, description = "how the gateway learned the job's end", enumeration = { "webhook",
                "poll", "cancel", "timeout" }) String completedVia,
        Delivery delivery,
        long version,
        Instant createdAt,
        Instant updatedAt,
        @Schema(nullable = true) Instant completedAt,
        @Schema(nullable = true) Long pollAfterMs){

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

        @JsonValue
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * How far the copy of output files got: the {@code state} of each file and, over all of a job's files, its
     * {@code output_storage} ({@code pending} while any file is, else {@code failed}, {@code source_expired} or
     * {@code stored}). Also what {@code store/outputs.lua} compares and writes.
     */
    @RegisterForReflection
    public enum OutputState {
        /** The copy is still to be made. */
        PENDING,
        /** The copy is in the bucket. */
        STORED,
        /** The AI server no longer had the file when the copy was made. */
        SOURCE_EXPIRED,
        /** The copy could not be made. */
        FAILED,
        /**
         * A file only, never a job's {@code output_storage}: past the files a job may copy
         * ({@code gateway.outputs.max-files}), left as the AI server gave it (a data URL removed).
         */
        SKIPPED;

        @JsonValue
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The state written as {@code wire}, or null for null (storage off, or no files). */
        public static OutputState fromWire(String wire) {
            return wire == null ? null : valueOf(wire.toUpperCase(Locale.ROOT));
        }
    }

    @RegisterForReflection
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record JobError(
            @Schema(enumeration = {
                    "ai_server", "submit", "timeout", "upstream_unreachable",
                    "upstream_lost" }) ErrorSource source,
            String code, String message){

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
        return status.isTerminal() && outputStorage != OutputState.PENDING;
    }

    /**
     * One output file: {@code url} is the stored copy (null until stored), {@code source_url} the AI server's URL
     * (null for a data URL, whose bytes are never kept); {@code state} pending, stored, source_expired, failed or
     * skipped (past {@code gateway.outputs.max-files}).
     */
    @RegisterForReflection
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record OutputFile(int index, @Schema(nullable = true) String url, @Schema(nullable = true) String sourceUrl,
            @Schema(nullable = true) String contentType, @Schema(nullable = true) Long sizeBytes,
            // Written out here, as the job's output_storage is: no schema of its own in the document.
            @Schema(implementation = String.class, enumeration = {
                    "pending", "stored", "source_expired", "failed", "skipped" }) OutputState state,
            @Schema(nullable = true) String reason){
    }

    /** How the gateway learned what it knows, kept apart from what happened to the job. */
    @RegisterForReflection
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Delivery(
            @Schema(enumeration = {
                    "awaiting_webhook", "webhook_received", "webhook_overdue", "polled",
                    "upstream_unreachable" }) String state,
            int webhooksReceived,
            @Schema(nullable = true) Instant lastWebhookAt,
            @Schema(nullable = true) Instant lastUpstreamCheckAt,
            @Schema(nullable = true, description = "when the job is expected to finish, from how long this "
                    + "provider's (and model's) recent jobs took; null without enough history. A job whose webhook "
                    + "has not come by then is checked with the AI server soon after") Instant expectedAt){
    }
}
