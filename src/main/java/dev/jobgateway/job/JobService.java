package dev.jobgateway.job;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.job.IdempotencyStore.Claim;
import dev.jobgateway.platform.ApiException;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.platform.JobLogContext;
import dev.jobgateway.platform.Timestamps;
import dev.jobgateway.upstream.CancelAttempt;
import dev.jobgateway.upstream.GenericAiServer;
import dev.jobgateway.upstream.Handoff;
import dev.jobgateway.waiting.Waits;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/** Submitting, reading and cancelling jobs, always on behalf of an owner. */
@ApplicationScoped
public class JobService {

    private static final Logger LOG = Logger.getLogger(JobService.class);

    private final JobStore store;
    private final IdempotencyStore idempotency;
    private final JobJson json;
    private final GenericAiServer aiServer;
    private final Reconciler reconciler;
    private final Waits waits;
    private final String publicBaseUrl;
    private final Duration defaultMaxDuration;
    private final Duration firstCheckAfter;

    JobService(JobStore store, IdempotencyStore idempotency, JobJson json, GenericAiServer aiServer,
            Reconciler reconciler, Waits waits, GatewayConfig config) {
        this.store = store;
        this.idempotency = idempotency;
        this.json = json;
        this.aiServer = aiServer;
        this.reconciler = reconciler;
        this.waits = waits;
        this.publicBaseUrl = stripTrailingSlash(config.publicBaseUrl());
        this.defaultMaxDuration = config.jobs().maxDuration();
        this.firstCheckAfter = config.fallback().checkAfter();
    }

    /** A submit's answer: the job, and whether it is the replay of an earlier submit with the same key. */
    public record Submission(Job job, boolean replayed) {
    }

    /** What a cancel did: {@code cancelled} is false when the job had already ended (the job is unchanged). */
    public record Cancellation(Job job, boolean cancelled) {
    }

    public Uni<Job> submit(String owner, JsonNode input) {
        return submit(owner, input, defaultMaxDuration, null).map(Submission::job);
    }

    /** A submit with the default maximum duration. */
    public Uni<Submission> submit(String owner, JsonNode input, String idempotencyKey) {
        return submit(owner, input, defaultMaxDuration, idempotencyKey);
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
            return create(owner, id, input, maxDuration).map(job -> new Submission(job, false));
        }
        Claim claim = new Claim(false, Ids.sha256(json.write(input) + "\n" + maxDuration.toSeconds()), id);
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
                return Uni.createFrom().failure(ApiException.unprocessable("idempotency-key-reused",
                        "Idempotency-Key reused", "This Idempotency-Key was used with a different request body."));
            }
            if (!earlier.done()) {
                return Uni.createFrom().failure(ApiException.conflict("idempotency-key-in-flight",
                        "Request in progress", "A request with this Idempotency-Key is still being processed; "
                                + "retry shortly."));
            }
            return get(owner, earlier.jobId()).map(job -> new Submission(job, true));
        });
    }

    private Uni<Job> create(String owner, String id, JsonNode input, Duration maxDuration) {
        return create(owner, id, input, maxDuration, () -> Uni.createFrom().voidItem());
    }

    /**
     * Stores the job first, so a webhook that beats the AI server's answer finds it, then hands it to the AI
     * server. A job that could not be stored is never handed off ({@code onNotStored} runs instead). A failed
     * hand-off fails the job ({@code error.source: submit}); it is still a created job (202).
     */
    private Uni<Job> create(String owner, String id, JsonNode input, Duration maxDuration,
            java.util.function.Supplier<Uni<?>> onNotStored) {
        Instant now = Timestamps.now();
        String token = Ids.newWebhookToken();
        Instant deadline = now.plus(maxDuration);
        NewJob job = new NewJob(id, owner, GenericAiServer.PROVIDER, json.write(input), now, deadline,
                Ids.sha256(token));
        Instant firstCheck = now.plus(firstCheckAfter).isBefore(deadline) ? now.plus(firstCheckAfter) : deadline;
        return store.create(job, firstCheck)
                .onFailure().call(onNotStored)
                .chain(() -> aiServer.submit(input, webhookUrl(id, token)))
                .chain(handoff -> recordHandoff(id, handoff).chain(() -> find(owner, id))
                        .call(stored -> cancelIfCancelledMeanwhile(stored, handoff)))
                .map(json::toJob);
    }

    /**
     * The job, if {@code owner} owns it (anyone else's job is as unknown as a job that does not exist); if it is
     * overdue, after checking with the AI server (see {@link Reconciler}).
     */
    public Uni<Job> get(String owner, String id) {
        return find(owner, id).chain(reconciler::reconcile).map(reconciled -> {
            if (reconciled.job() == null) {
                throw ApiException.jobNotFound(id);
            }
            return json.toJob(reconciled.job());
        });
    }

    /** The job once it is terminal, or as it is when {@code wait} is over. */
    public Uni<Job> await(String owner, String id, Duration wait) {
        return waits.until(Set.of(id), wait, () -> get(owner, id), job -> job.status().isTerminal());
    }

    /**
     * Many jobs at once; ids that are unknown, ill-formed or someone else's are listed apart. With a wait, the
     * answer comes when any listed job changes, or at once if all are terminal, or when time is up.
     */
    public Uni<Batch> batch(String owner, List<String> ids, Duration wait) {
        Set<String> known = new LinkedHashSet<>();
        for (String id : ids) {
            if (Ids.isJobId(id)) {
                known.add(id);
            }
        }
        return waits.until(known, wait, () -> readBatch(owner, ids), new AnyChangeOrAllTerminal());
    }

    public Uni<List<TimelineEntry>> timeline(String owner, String id) {
        return find(owner, id).chain(() -> store.timeline(id));
    }

    /** Jobs found and ids not found, in request order. */
    @RegisterForReflection
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Batch(List<Job> jobs, List<String> notFound) {
    }

    private Uni<Batch> readBatch(String owner, List<String> ids) {
        List<Uni<Optional<Job>>> reads = new ArrayList<>();
        for (String id : ids) {
            reads.add(get(owner, id).map(Optional::of)
                    .onFailure(ApiException.class).recoverWithItem(Optional.empty()));
        }
        if (reads.isEmpty()) {
            return Uni.createFrom().item(new Batch(List.of(), List.of()));
        }
        return Uni.join().all(reads).andFailFast().map(results -> {
            List<Job> jobs = new ArrayList<>();
            List<String> notFound = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                Optional<Job> job = results.get(i);
                if (job.isPresent()) {
                    jobs.add(job.get());
                } else {
                    notFound.add(ids.get(i));
                }
            }
            return new Batch(jobs, notFound);
        });
    }

    /** Done when every job is terminal, or any job's version differs from the first read's. */
    private static final class AnyChangeOrAllTerminal implements Predicate<Batch> {

        private Map<String, Long> firstVersions;

        @Override
        public boolean test(Batch batch) {
            boolean allTerminal = batch.jobs().stream().allMatch(job -> job.status().isTerminal());
            Map<String, Long> versions = new HashMap<>();
            batch.jobs().forEach(job -> versions.put(job.id(), job.version()));
            if (firstVersions == null) {
                firstVersions = versions;
                return allTerminal;
            }
            return allTerminal || !versions.equals(firstVersions);
        }
    }

    /**
     * Cancels a job that has not ended: it becomes {@code cancelled} ({@code completed_via: cancel}) at once, then
     * the AI server is asked to stop it, best effort, with the outcome in the timeline. A job that has ended is
     * left as it is; that is an answer, not an error.
     */
    public Uni<Cancellation> cancel(String owner, String id) {
        return find(owner, id).chain(stored -> {
            if (stored.status().isTerminal()) {
                return Uni.createFrom().item(new Cancellation(json.toJob(stored), false));
            }
            ObjectNode event = json.object().put("requested_by", "owner");
            return store.transition(id, new Transition(JobStatus.CANCELLED, null, null, null, Via.CANCEL,
                    "cancel_requested", event, null))
                    .chain(result -> {
                        if (!result.applied()) {
                            // It ended between the read and the transition; the timeline says why it was ignored.
                            return find(owner, id).map(job -> new Cancellation(json.toJob(job), false));
                        }
                        return propagateCancel(id, stored.externalId())
                                .chain(() -> find(owner, id))
                                .map(job -> new Cancellation(json.toJob(job), true));
                    });
        });
    }

    /** The id's shape is checked before any key is built from it: no path tricks or hash-tag braces reach Redis. */
    private Uni<StoredJob> find(String owner, String id) {
        if (!Ids.isJobId(id)) {
            return Uni.createFrom().failure(ApiException.jobNotFound(id));
        }
        return store.find(id).map(found -> found.filter(job -> owner.equals(job.owner()))
                .orElseThrow(() -> ApiException.jobNotFound(id)));
    }

    private Uni<?> propagateCancel(String id, String externalId) {
        if (externalId == null) {
            // Still being handed to the AI server: the submit sends the cancel once it knows the AI server's id.
            return store.record(id, "ai_server_cancel", json.object().put("outcome", "deferred")
                    .put("message", "Not handed to the AI server yet; the cancel follows the hand-off."), Map.of());
        }
        return aiServer.cancel(externalId).chain(attempt -> store.record(id, "ai_server_cancel",
                cancelEvent(externalId, attempt), Map.of()));
    }

    private ObjectNode cancelEvent(String externalId, CancelAttempt attempt) {
        ObjectNode event = json.object()
                .put("outcome", attempt.accepted() ? "accepted" : "failed")
                .put("external_id", externalId)
                .put("latency_ms", attempt.latencyMs())
                .put("message", attempt.message());
        if (attempt.httpStatus() != null) {
            event.put("http_status", attempt.httpStatus());
        }
        return event;
    }

    private Uni<?> recordHandoff(String id, Handoff handoff) {
        ObjectNode event = json.object()
                .put("attempts", handoff.attempts())
                .put("latency_ms", handoff.latencyMs());
        if (handoff.accepted()) {
            event.put("external_id", handoff.externalId());
            LOG.infof("Job %s handed to the AI server as %s (%d attempt(s), %d ms)", id, handoff.externalId(),
                    handoff.attempts(), handoff.latencyMs());
            return store.mapExternalId(GenericAiServer.PROVIDER, handoff.externalId(), id)
                    .call(() -> store.record(id, "handed_to_ai_server", event,
                            Map.of(StoredJob.EXTERNAL_ID, handoff.externalId())))
                    .call(parked -> applyParked(id, parked));
        }
        event.put("error_code", handoff.errorCode()).put("error", handoff.errorMessage());
        return store.transition(id, new Transition(JobStatus.FAILED, null, null,
                new Job.JobError("submit", handoff.errorCode(), handoff.errorMessage()),
                Via.SUBMIT, "handoff_failed", event, null));
    }

    /** Webhooks that came (to {@code /webhooks/generic}) before the mapping existed, in the order they came. */
    private Uni<?> applyParked(String id, List<Transition> parked) {
        if (parked.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        LOG.infof("Job %s: applying %d webhook(s) that arrived before its AI-server id was known", id, parked.size());
        return Multi.createFrom().iterable(parked)
                .onItem().transformToUniAndConcatenate(change -> store.transition(id, change))
                .collect().last();
    }

    /**
     * A cancel that came while the job was being handed off could not reach the AI server (it had no id yet):
     * send it now. Recording its outcome changes no state, so the job just read stays the answer.
     */
    private Uni<?> cancelIfCancelledMeanwhile(StoredJob job, Handoff handoff) {
        boolean cancelled = Via.CANCEL.completedVia().equals(job.text(StoredJob.COMPLETED_VIA));
        return handoff.accepted() && cancelled ? propagateCancel(job.id(), handoff.externalId())
                : Uni.createFrom().voidItem();
    }

    private String webhookUrl(String id, String token) {
        return publicBaseUrl + "/webhooks/" + GenericAiServer.PROVIDER + "/" + id + "?token=" + token;
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
