package dev.jobgateway.api;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.job.IdempotencyStore;
import dev.jobgateway.job.IdempotencyStore.Claim;
import dev.jobgateway.job.Job;
import dev.jobgateway.job.JobRecords;
import dev.jobgateway.job.NewJob;
import dev.jobgateway.job.Reports;
import dev.jobgateway.job.StoredJob;
import dev.jobgateway.job.Via;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.platform.JobLogContext;
import dev.jobgateway.platform.ProblemType;
import dev.jobgateway.platform.Timestamps;
import dev.jobgateway.upstream.GenericAiServer;
import dev.jobgateway.upstream.Handoff;
import io.smallrye.mutiny.Uni;

/**
 * Submits jobs on behalf of an owner: stores the job, hands it to the AI server, and with an
 * {@code Idempotency-Key} answers a repeated request with the job the first one created.
 */
@ApplicationScoped
public class SubmitJobs {

    private static final Logger LOG = Logger.getLogger(SubmitJobs.class);

    private final JobRecords jobs;
    private final Reports reports;
    private final IdempotencyStore idempotency;
    private final GenericAiServer aiServer;
    private final OwnedJobs owned;
    private final CancelJobs cancels;
    private final String publicBaseUrl;
    private final Duration firstCheckAfter;

    SubmitJobs(JobRecords jobs, Reports reports, IdempotencyStore idempotency, GenericAiServer aiServer, OwnedJobs owned,
            CancelJobs cancels, GatewayConfig config) {
        this.jobs = jobs;
        this.reports = reports;
        this.idempotency = idempotency;
        this.aiServer = aiServer;
        this.owned = owned;
        this.cancels = cancels;
        this.publicBaseUrl = stripTrailingSlash(config.publicBaseUrl());
        this.firstCheckAfter = config.fallback().checkAfter();
    }

    /**
     * Creates a job, or, with an {@code Idempotency-Key} this owner used before, answers with the job that key
     * created: the same request again gets that job (no second hand-off), a different request is 422, and a
     * request whose first submit is still running is 409.
     */
    public Uni<Submission> submit(String owner, JsonNode input, Duration maxDuration, String idempotencyKey) {
        String id = Ids.newJobId();
        JobLogContext.set(id);
        if (idempotencyKey == null) {
            return create(owner, id, input, maxDuration, () -> Uni.createFrom().voidItem())
                    .map(job -> new Submission(job, false));
        }
        Claim claim = new Claim(false, Ids.sha256(input.toString() + "\n" + maxDuration.toSeconds()), id);
        return idempotency.claim(owner, idempotencyKey, claim).chain(existing -> {
            if (existing.isEmpty()) {
                return create(owner, id, input, maxDuration,
                        () -> idempotency.release(owner, idempotencyKey, claim).onFailure().recoverWithNull())
                        // The job exists and the client gets it even if the key cannot be marked done now: the
                        // claim then lapses with its lease.
                        .call(() -> idempotency.complete(owner, idempotencyKey, claim).onFailure().recoverWithNull())
                        .map(job -> new Submission(job, false));
            }
            Claim earlier = existing.get();
            if (!earlier.fingerprint().equals(claim.fingerprint())) {
                return Uni.createFrom().failure(ProblemType.IDEMPOTENCY_KEY_REUSED.with(
                        "This Idempotency-Key was used with a different request body."));
            }
            if (!earlier.done()) {
                return Uni.createFrom().failure(ProblemType.IDEMPOTENCY_KEY_IN_FLIGHT.with(
                        "A request with this Idempotency-Key is still being processed; retry shortly."));
            }
            return owned.find(owner, earlier.jobId()).map(job -> new Submission(jobs.view(job), true));
        });
    }

    /**
     * Stores the job first, so a webhook that beats the AI server's answer finds it, then hands it to the AI
     * server. A job that could not be stored is never handed off ({@code onNotStored} runs instead). A failed
     * hand-off fails the job ({@code error.source: submit}); it is still a created job (202).
     */
    private Uni<Job> create(String owner, String id, JsonNode input, Duration maxDuration,
            Supplier<Uni<?>> onNotStored) {
        Instant now = Timestamps.now();
        String token = Ids.newWebhookToken();
        Instant deadline = now.plus(maxDuration);
        NewJob job = new NewJob(id, owner, GenericAiServer.PROVIDER, input.toString(), now, deadline,
                Ids.sha256(token));
        Instant firstCheck = now.plus(firstCheckAfter).isBefore(deadline) ? now.plus(firstCheckAfter) : deadline;
        return jobs.create(job, firstCheck)
                .onFailure().call(onNotStored)
                .chain(() -> aiServer.submit(input, webhookUrl(id, token)))
                .chain(handoff -> recordHandoff(id, handoff).chain(() -> owned.find(owner, id))
                        .call(stored -> cancelIfCancelledMeanwhile(stored, handoff)))
                .map(jobs::view);
    }

    private Uni<?> recordHandoff(String id, Handoff handoff) {
        ObjectNode event = jobs.event()
                .put("attempts", handoff.attempts())
                .put("latency_ms", handoff.latencyMs());
        if (handoff.accepted()) {
            event.put("external_id", handoff.externalId());
            LOG.infof("Job %s handed to the AI server as %s (%d attempt(s), %d ms)", id, handoff.externalId(),
                    handoff.attempts(), handoff.latencyMs());
            return reports.handedOff(id, GenericAiServer.PROVIDER, handoff.externalId(), event);
        }
        event.put("error_code", handoff.errorCode()).put("error", handoff.errorMessage());
        return jobs.failHandoff(id, new Job.JobError("submit", handoff.errorCode(), handoff.errorMessage()), event);
    }

    /**
     * A cancel that came while the job was being handed off could not reach the AI server (it had no id yet):
     * send it now. Recording its outcome changes no state, so the job just read stays the answer.
     */
    private Uni<?> cancelIfCancelledMeanwhile(StoredJob job, Handoff handoff) {
        boolean cancelled = Via.CANCEL.wireName().equals(job.completedVia());
        return handoff.accepted() && cancelled ? cancels.propagate(job.id(), handoff.externalId())
                : Uni.createFrom().voidItem();
    }

    private String webhookUrl(String id, String token) {
        return publicBaseUrl + "/webhooks/" + GenericAiServer.PROVIDER + "/" + id + "?token=" + token;
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
