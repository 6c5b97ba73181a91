package dev.jobgateway.job;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.platform.ApiException;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.platform.JobLogContext;
import dev.jobgateway.platform.Timestamps;
import dev.jobgateway.upstream.GenericAiServer;
import dev.jobgateway.upstream.Handoff;
import io.smallrye.mutiny.Uni;

/** Submitting jobs and reading them back. */
@ApplicationScoped
public class JobService {

    private static final Logger LOG = Logger.getLogger(JobService.class);

    private final JobStore store;
    private final JobJson json;
    private final GenericAiServer aiServer;
    private final String publicBaseUrl;
    private final Duration maxDuration;

    JobService(JobStore store, JobJson json, GenericAiServer aiServer, GatewayConfig config) {
        this.store = store;
        this.json = json;
        this.aiServer = aiServer;
        this.publicBaseUrl = stripTrailingSlash(config.publicBaseUrl());
        this.maxDuration = config.jobs().maxDuration();
    }

    /**
     * Stores the job first, so a webhook that beats the AI server's answer finds it, then hands it to the AI
     * server. A failed hand-off fails the job ({@code error.source: submit}); it is still a created job (202).
     */
    public Uni<Job> submit(String owner, JsonNode input) {
        Instant now = Timestamps.now();
        String id = Ids.newJobId();
        JobLogContext.set(id);
        String token = Ids.newWebhookToken();
        NewJob job = new NewJob(id, owner, GenericAiServer.PROVIDER, json.write(input), now, now.plus(maxDuration),
                Ids.sha256(token));
        return store.create(job)
                .chain(() -> aiServer.submit(input, webhookUrl(id, token)))
                .call(handoff -> recordHandoff(id, handoff))
                .chain(() -> get(id));
    }

    public Uni<Job> get(String id) {
        return find(id).map(json::toJob);
    }

    public Uni<java.util.List<TimelineEntry>> timeline(String id) {
        return find(id).chain(() -> store.timeline(id));
    }

    private Uni<StoredJob> find(String id) {
        if (!Ids.isJobId(id)) {
            return Uni.createFrom().failure(ApiException.jobNotFound(id));
        }
        return store.find(id).map(found -> found.orElseThrow(() -> ApiException.jobNotFound(id)));
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
