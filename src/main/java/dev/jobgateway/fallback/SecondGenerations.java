package dev.jobgateway.fallback;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.job.Job;
import dev.jobgateway.job.JobRecords;
import dev.jobgateway.job.JobStatus;
import dev.jobgateway.job.Report;
import dev.jobgateway.job.Reports;
import dev.jobgateway.job.StoredJob;
import dev.jobgateway.platform.GatewayClock;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.providers.Order;
import dev.jobgateway.providers.Provider;
import dev.jobgateway.providers.WebhookUrls;
import dev.jobgateway.webhook.WebhookTokens;
import io.smallrye.mutiny.Uni;

/**
 * A job whose result its AI server lost, run once more where the operator opted in ({@link Provider#rerunsLostJobs()},
 * Cog's {@code rerun-lost-predictions}): instead of failing as {@code upstream_lost} at its deadline, the job gets a
 * new per-job webhook token (the gateway keeps only the old one's digest, so it cannot give the same URL again; late
 * webhooks of the first run are refused with 401 from then on) and a new deadline as long as the first, is recorded as
 * its {@code second_generation}, and is handed over again. A second loss fails it: there is no third run.
 */
@ApplicationScoped
class SecondGenerations {

    private static final Logger LOG = Logger.getLogger(SecondGenerations.class);

    private final JobRecords jobs;
    private final Reports reports;
    private final ObjectMapper mapper;
    private final WebhookTokens webhookTokens;
    private final String publicBaseUrl;
    private final GatewayClock clock;

    SecondGenerations(JobRecords jobs, Reports reports, ObjectMapper mapper, WebhookTokens webhookTokens,
            GatewayConfig config, GatewayClock clock) {
        this.clock = clock;
        this.jobs = jobs;
        this.webhookTokens = webhookTokens;
        this.reports = reports;
        this.mapper = mapper;
        this.publicBaseUrl = config.publicBaseUrl();
    }

    /** Whether this report, at the job's deadline, starts a second generation instead of failing the job. */
    boolean applies(Provider provider, StoredJob job, Report report) {
        return provider.rerunsLostJobs() && report.status() == JobStatus.FAILED
                && Report.SOURCE_UPSTREAM_LOST.equals(report.errorSource()) && job.generation() == 1
                && job.createdAt() != null && job.deadlineAt() != null;
    }

    /**
     * Starts the second generation of the job, read again first: nothing if it has ended meanwhile (its result came
     * after all) or is already in its second generation. True if it was handed over again (or that hand-off failed,
     * which fails the job as any hand-off does).
     */
    Uni<Boolean> start(Provider provider, StoredJob seen, Report lost) {
        return jobs.find(seen.id()).chain(found -> {
            if (found.isEmpty() || found.get().status().isTerminal() || found.get().generation() > 1) {
                return Uni.createFrom().item(false);
            }
            StoredJob job = found.get();
            return webhookTokens.forJob(job.id(), 2).chain(token -> start(provider, job, lost, token));
        });
    }

    private Uni<Boolean> start(Provider provider, StoredJob job, Report lost, String token) {
        Instant deadline = clock.now().plus(Duration.between(job.createdAt(), job.deadlineAt()));
        ObjectNode event = jobs.event().put("generation", 2).put("previous_deadline_at",
                String.valueOf(job.deadlineAt())).put("deadline_at", deadline.toString())
                .put("reason", lost.errorMessage());
        JsonNode input;
        try {
            input = mapper.readTree(job.inputJson());
        } catch (IOException | RuntimeException e) {
            return Uni.createFrom().item(false);
        }
        Order order = new Order(job.id(), input, job.model(),
                WebhookUrls.of(provider, publicBaseUrl, job.id(), token),
                deadline);
        LOG.infof("Job %s: %s lost its result; running it a second time, as configured", job.id(),
                provider.name());
        return jobs.secondGeneration(job.id(), Ids.sha256(token), deadline, event)
                .chain(() -> provider.submit(order))
                .chain(handoff -> {
                    ObjectNode handed = jobs.event().put("attempts", handoff.attempts())
                            .put("latency_ms", handoff.latencyMs()).put("generation", 2);
                    if (handoff.accepted()) {
                        handed.put("external_id", handoff.externalId());
                        return reports.handedOff(job.id(), provider.name(), handoff.externalId(), handoff.handle(),
                                handed);
                    }
                    handed.put("error_code", handoff.errorCode()).put("error", handoff.errorMessage());
                    return jobs.failHandoff(job.id(), new Job.JobError("submit", handoff.errorCode(),
                            handoff.errorMessage()), handed).replaceWithVoid();
                })
                .replaceWith(true);
    }
}
