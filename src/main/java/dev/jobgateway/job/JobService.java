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

import dev.jobgateway.platform.ApiException;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.platform.Timestamps;
import dev.jobgateway.upstream.GenericAiServer;
import dev.jobgateway.upstream.Handoff;
import dev.jobgateway.waiting.Waits;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/** Submitting jobs and reading them back. */
@ApplicationScoped
public class JobService {

    private static final Logger LOG = Logger.getLogger(JobService.class);

    private final JobStore store;
    private final JobJson json;
    private final GenericAiServer aiServer;
    private final Reconciler reconciler;
    private final Waits waits;
    private final String publicBaseUrl;
    private final Duration firstCheckAfter;

    JobService(JobStore store, JobJson json, GenericAiServer aiServer, Reconciler reconciler, Waits waits,
            GatewayConfig config) {
        this.store = store;
        this.json = json;
        this.aiServer = aiServer;
        this.reconciler = reconciler;
        this.waits = waits;
        this.publicBaseUrl = stripTrailingSlash(config.publicBaseUrl());
        this.firstCheckAfter = config.fallback().checkAfter();
    }

    /**
     * Stores the job first, so a webhook that beats the AI server's answer finds it, then hands it to the AI
     * server. A failed hand-off fails the job ({@code error.source: submit}); it is still a created job (202).
     */
    public Uni<Job> submit(String owner, JsonNode input, Duration maxDuration) {
        Instant now = Timestamps.now();
        String id = Ids.newJobId();
        String token = Ids.newWebhookToken();
        Instant deadline = now.plus(maxDuration);
        NewJob job = new NewJob(id, owner, GenericAiServer.PROVIDER, json.write(input), now, deadline,
                Ids.sha256(token));
        Instant firstCheck = now.plus(firstCheckAfter).isBefore(deadline) ? now.plus(firstCheckAfter) : deadline;
        return store.create(job, firstCheck)
                .chain(() -> aiServer.submit(input, webhookUrl(id, token)))
                .call(handoff -> recordHandoff(id, handoff))
                .chain(() -> store.find(id))
                .map(found -> json.toJob(found.orElseThrow(() -> ApiException.jobNotFound(id))));
    }

    /** The job now; if it is overdue, after checking with the AI server (see {@link Reconciler}). */
    public Uni<Job> get(String id, String owner) {
        return find(id, owner).chain(reconciler::reconcile).map(reconciled -> {
            if (reconciled.job() == null) {
                throw ApiException.jobNotFound(id);
            }
            return json.toJob(reconciled.job());
        });
    }

    /** The job once it is terminal, or as it is when {@code wait} is over. */
    public Uni<Job> await(String id, String owner, Duration wait) {
        return waits.until(Set.of(id), wait, () -> get(id, owner), job -> job.status().isTerminal());
    }

    /**
     * Many jobs at once; ids that are unknown, ill-formed or someone else's are listed apart. With a wait, the
     * answer comes when any listed job changes, or at once if all are terminal, or when time is up.
     */
    public Uni<Batch> batch(List<String> ids, String owner, Duration wait) {
        Set<String> known = new LinkedHashSet<>();
        for (String id : ids) {
            if (Ids.isJobId(id)) {
                known.add(id);
            }
        }
        return waits.until(known, wait, () -> readBatch(ids, owner), new AnyChangeOrAllTerminal());
    }

    public Uni<List<TimelineEntry>> timeline(String id, String owner) {
        return find(id, owner).chain(() -> store.timeline(id));
    }

    /** Jobs found and ids not found, in request order. */
    @RegisterForReflection
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Batch(List<Job> jobs, List<String> notFound) {
    }

    private Uni<Batch> readBatch(List<String> ids, String owner) {
        List<Uni<Optional<Job>>> reads = new ArrayList<>();
        for (String id : ids) {
            reads.add(get(id, owner).map(Optional::of)
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

    private Uni<StoredJob> find(String id, String owner) {
        // The id format is checked before any key is built from it; someone else's job is "not found" too.
        if (!Ids.isJobId(id)) {
            return Uni.createFrom().failure(ApiException.jobNotFound(id));
        }
        return store.find(id).map(found -> found.filter(job -> owner.equals(job.owner()))
                .orElseThrow(() -> ApiException.jobNotFound(id)));
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
                    .chain(() -> store.record(id, "handed_to_ai_server", event,
                            Map.of(StoredJob.EXTERNAL_ID, handoff.externalId())));
        }
        event.put("error_code", handoff.errorCode()).put("error", handoff.errorMessage());
        return store.transition(id, new Transition(JobStatus.FAILED, null, null,
                new Job.JobError("submit", handoff.errorCode(), handoff.errorMessage()),
                Via.SUBMIT, "handoff_failed", event, null));
    }

    private String webhookUrl(String id, String token) {
        return publicBaseUrl + "/webhooks/" + GenericAiServer.PROVIDER + "/" + id + "?token=" + token;
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
