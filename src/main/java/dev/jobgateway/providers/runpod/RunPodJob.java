package dev.jobgateway.providers.runpod;

import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;

import dev.jobgateway.job.Report;
import dev.jobgateway.providers.ProviderJson;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A RunPod job as {@code /run}, {@code /status} and the webhook describe it (the webhook is the status object):
 * {@code id}, {@code status}, {@code output} (whatever the worker's handler returned; while {@code IN_PROGRESS}, its
 * latest progress update), {@code error}, and {@code executionTime}, the ms a worker ran it (absent or 0 for a job no
 * worker took). Bodies: runpod/docs {@code serverless/endpoints/operation-reference.mdx}.
 */
@RegisterForReflection
@JsonIgnoreProperties(ignoreUnknown = true)
record RunPodJob(String id, String status, JsonNode output, JsonNode error, Long executionTime) {

    /** {@code TIMED_OUT} after a worker ran it: it ran past its {@code policy.executionTimeout}. */
    static final String TIMED_OUT_CODE = "execution_timed_out";
    /** {@code TIMED_OUT} before any worker took it: its {@code policy.ttl} passed in the queue (job-states.mdx). */
    static final String EXPIRED_IN_QUEUE_CODE = "expired_in_queue";

    RunPodJob(String id, String status, JsonNode output, JsonNode error) {
        this(id, status, output, error, null);
    }

    /**
     * What this says, in the gateway's terms; empty for a status RunPod does not document. {@code IN_PROGRESS} (also
     * seen as {@code RUNNING}) is running, with the progress its output tells; {@code FAILED} carries the worker's
     * message only ({@link RunPodError}); {@code TIMED_OUT} failed with a code of its own, which tells whether the job
     * ever ran.
     */
    Optional<Report> toReport() {
        if (status == null) {
            return Optional.empty();
        }
        String errorText = RunPodError.of(error).message();
        return Optional.ofNullable(switch (status) {
            case "IN_QUEUE" -> Report.queued(status);
            case "IN_PROGRESS", "RUNNING" -> Report.running(status, RunPodProgress.of(output));
            case "COMPLETED" -> Report.succeeded(status, ProviderJson.json(output));
            case "FAILED" -> Report.failed(status, errorText);
            case "CANCELLED" -> Report.cancelled(status);
            case "TIMED_OUT" -> neverRan()
                    ? Report.failed(status, errorText != null ? errorText
                            : "RunPod dropped the job before any worker took it: it waited in the queue until its ttl "
                                    + "(the job's deadline) passed, and never ran.",
                            EXPIRED_IN_QUEUE_CODE)
                    : Report.failed(status, errorText != null ? errorText
                            : "RunPod stopped the job: it ran past its execution timeout (the job's maximum duration).",
                            TIMED_OUT_CODE);
            default -> null;
        });
    }

    /** No worker ran it: RunPod reports no execution time (job-states.mdx: "expired before it was picked up"). */
    private boolean neverRan() {
        return executionTime == null || executionTime <= 0;
    }
}
