package dev.jobgateway.outputs;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.jobgateway.job.Job.OutputState;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * One output file of a job as Redis keeps it (the job's {@code output_files}, a JSON array): where it sits in the
 * output, where it came from, where its copy goes, and how far it got.
 *
 * @param index the file's place among the job's files (part of its key)
 * @param path JSON pointer of the value in the output ({@code ""}: the output is the URL itself)
 * @param sourceUrl the AI server's URL; null for a data URL (its bytes are never kept in Redis)
 * @param key the object key of the copy
 * @param contentType the copy's {@code Content-Type}, once known
 * @param sizeBytes the copy's size, once stored
 * @param state how far its copy got ({@link OutputState#SKIPPED}: past the files a job may copy)
 * @param reason why a file is not stored, or null
 */
@RegisterForReflection
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record StoredFile(int index, String path, String sourceUrl, String key, String contentType, Long sizeBytes,
        OutputState state, String reason) {

    StoredFile stored(String type, long size) {
        return new StoredFile(index, path, sourceUrl, key, type, size, OutputState.STORED, null);
    }

    StoredFile ended(OutputState endState, String why) {
        return new StoredFile(index, path, sourceUrl, key, contentType, sizeBytes, endState, why);
    }

    boolean isPending() {
        return state == OutputState.PENDING;
    }
}
