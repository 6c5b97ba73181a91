package dev.jobgateway.api;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.job.JobRecords;
import dev.jobgateway.job.StoredJob;
import dev.jobgateway.job.TimelineEvent;
import dev.jobgateway.metrics.Meters;
import dev.jobgateway.metrics.Meters.UpstreamOperation;
import dev.jobgateway.providers.CancelAttempt;
import dev.jobgateway.providers.ProviderJob;
import dev.jobgateway.providers.ProviderRegistry;
import io.smallrye.mutiny.Uni;

/**
 * Cancels jobs on behalf of their owner: a job that has not ended becomes {@code cancelled}
 * ({@code completed_via: cancel}) at once, then the AI server is asked to stop it, best effort, with the outcome in
 * the timeline. A job that has ended is left as it is; that is an answer, not an error.
 */
@ApplicationScoped
public class CancelJobs {

    private final OwnedJobs owned;
    private final JobRecords jobs;
    private final ProviderRegistry providers;
    private final Meters meters;

    CancelJobs(OwnedJobs owned, JobRecords jobs, ProviderRegistry providers, Meters meters) {
        this.meters = meters;
        this.owned = owned;
        this.jobs = jobs;
        this.providers = providers;
    }

    public Uni<Cancellation> cancel(String owner, String id) {
        return owned.find(owner, id).chain(stored -> cancelSeen(owner, stored));
    }

    /**
     * Cancels the job read as {@code seen}. The AI server's id is taken from a read after the transition, never from
     * {@code seen}: a hand-off recorded in between is then seen here, or else the submit, which looks for a cancel
     * after recording it, sees the cancel. Either way one of the two tells the AI server.
     */
    Uni<Cancellation> cancelSeen(String owner, StoredJob seen) {
        String id = seen.id();
        if (seen.status().isTerminal()) {
            return Uni.createFrom().item(new Cancellation(jobs.view(seen), false));
        }
        return jobs.cancel(id, jobs.event().put("requested_by", "owner")).chain(result -> owned.find(owner, id)
                .chain(after -> !result.applied()
                        // It ended between the read and the transition; the timeline says why it was ignored.
                        ? Uni.createFrom().item(new Cancellation(jobs.view(after), false))
                        : propagate(after).replaceWith(new Cancellation(jobs.view(after), true))));
    }

    /** Tells the job's AI server, once, and notes the outcome in the timeline. */
    Uni<?> propagate(StoredJob job) {
        String id = job.id();
        String externalId = job.externalId();
        if (externalId == null) {
            // Still being handed to the AI server: the submit sends the cancel once it knows the AI server's id.
            return jobs.note(id, TimelineEvent.AI_SERVER_CANCEL, jobs.event().put("outcome", "deferred")
                    .put("message", "Not handed to the AI server yet; the cancel follows the hand-off."));
        }
        return providers.forJob(job.provider())
                .map(provider -> provider.cancel(new ProviderJob(id, externalId, job.model(), job.providerHandle()))
                        .invoke(attempt -> meters.upstream(provider.name(), UpstreamOperation.CANCEL,
                                Meters.statusClass(attempt.httpStatus()), attempt.latencyMs() * 1_000_000)))
                .orElseGet(() -> Uni.createFrom().item(new CancelAttempt(false, null, 0, "The job's provider '"
                        + job.provider() + "' is not configured any more.")))
                .chain(attempt -> jobs.note(id, TimelineEvent.AI_SERVER_CANCEL, cancelEvent(externalId, attempt)));
    }

    private ObjectNode cancelEvent(String externalId, CancelAttempt attempt) {
        ObjectNode event = jobs.event()
                .put("outcome", attempt.accepted() ? "accepted" : "failed")
                .put("external_id", externalId)
                .put("latency_ms", attempt.latencyMs())
                .put("message", attempt.message());
        if (attempt.httpStatus() != null) {
            event.put("http_status", attempt.httpStatus());
        }
        return event;
    }
}
