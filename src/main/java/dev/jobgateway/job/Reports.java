package dev.jobgateway.job;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.JobLogContext;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * The one way what an AI server says becomes a state change, whichever way it came: a webhook (by job id, or by
 * the AI server's id alone), an answer to the fallback's check, or a webhook that was parked because it came
 * before the AI server's id was known. Reports go through the state machine, so duplicates, late and
 * out-of-order ones are ignored with a reason in the timeline.
 */
@ApplicationScoped
public class Reports {

    private static final Logger LOG = Logger.getLogger(Reports.class);

    private final JobStore store;
    private final Transitions transitions;
    private final JobJson json;
    private final Duration unmappedTtl;
    private final OutputFiles outputs;

    Reports(JobStore store, Transitions transitions, JobJson json, GatewayConfig config, OutputFiles outputs) {
        this.store = store;
        this.transitions = transitions;
        this.json = json;
        this.outputs = outputs;
        this.unmappedTtl = config.webhooks().unmappedTtl();
    }

    /** A report about the job {@code jobId}: its webhook URL named it, or the fallback asked about it. */
    public Uni<TransitionResult> apply(String jobId, Report report, Arrival arrival) {
        JobLogContext.set(jobId);
        return run(jobId, transition(report, arrival));
    }

    /**
     * Runs a change through the state machine; with output storage on, a success first has its output files listed
     * (and its data URLs stored, see {@link OutputFiles}), and a copy left pending is started after it.
     */
    private Uni<TransitionResult> run(String jobId, Transition change) {
        return run(jobId, change, null);
    }

    private Uni<TransitionResult> run(String jobId, Transition change, WebhookGuard guard) {
        if (!outputs.enabled() || change.target() != JobStatus.SUCCEEDED || change.outputJson() == null) {
            return transitions.run(jobId, change, guard);
        }
        return store.find(jobId).chain(found -> {
            // A job that ended already ignores the report: nothing to store for it. The guard still decides first
            // (a webhook that does not match its job is refused, and stores no files).
            if (found.isEmpty() || found.get().status().isTerminal()
                    || (guard != null && !guard.admits(found.get()))) {
                return transitions.run(jobId, change, guard);
            }
            return outputs.plan(jobId, found.get().provider(), change.outputJson()).chain(planned -> {
                Transition stored = planned.filesJson() == null ? change
                        : change.withOutputFiles(planned.outputJson(), planned.filesJson(), planned.storage());
                return transitions.run(jobId, stored, guard).call(result -> {
                    if (result.applied() && stored.leavesCopyPending()) {
                        outputs.copyPending(jobId);
                    }
                    // Another change won the race since the job was read (a cancel, another success): the data
                    // URLs uploaded for this one belong to no job. (A transition that failed may still have been
                    // carried out, so its uploads are kept.)
                    return result.applied() ? Uni.createFrom().voidItem() : outputs.discard(planned);
                });
            });
        });
    }

    /**
     * A webhook to the job's own URL: applied only if it matches the job ({@code guard}), which the transition
     * checks in the same step; a mismatch is {@link TransitionResult.Outcome#REJECTED} and changes nothing.
     */
    public Uni<TransitionResult> applyWebhook(String jobId, Report report, Arrival.Webhook arrival,
            WebhookGuard guard) {
        JobLogContext.set(jobId);
        return run(jobId, transition(report, arrival), guard);
    }

    /**
     * A webhook that names its job only by the AI server's id. When no job is mapped to that id yet (the webhook
     * beat the AI server's answer to our submit), it is parked for a while and applied by {@link #handedOff} when
     * the submit maps the id; the sender is told it was kept, so it does not retry.
     */
    public Uni<TransitionResult> applyByExternalId(String provider, String externalId, Report report,
            Arrival.Webhook arrival) {
        Transition change = transition(report, arrival);
        return store.jobIdForExternalId(provider, externalId)
                .chain(mapped -> mapped.map(Uni.createFrom()::item)
                        .orElseGet(() -> store.park(provider, externalId, change)
                                .map(afterPark -> afterPark.orElse(null))))
                .chain(jobId -> {
                    if (jobId == null) {
                        LOG.infof("Webhook %s names AI-server job %s, not mapped to a job yet: parked for %s",
                                arrival.webhookId(), externalId, unmappedTtl);
                        return Uni.createFrom().item(TransitionResult.parked());
                    }
                    JobLogContext.set(jobId);
                    return run(jobId, change);
                });
    }

    /** How long a parked webhook is kept, for the sender's answer. */
    public Duration parkedFor() {
        return unmappedTtl;
    }

    /** A check with the AI server that got no usable answer: recorded, counted, and never a state change. */
    public Uni<TransitionResult> unreachable(String jobId, Arrival.Poll arrival, String why, int failedInARow) {
        ObjectNode event = json.object()
                .put("external_id", arrival.externalId())
                .put("error", why)
                .put("latency_ms", arrival.latencyMs())
                .put("failed_checks_in_a_row", failedInARow);
        return transitions.run(jobId, Transition.checkFailed(event));
    }

    /**
     * The AI server accepted the job as {@code externalId}: the id (and the provider's {@code handle}, if it kept one)
     * is recorded on the job, in the job's own hash, then mapped to it, and the webhooks that came for that id
     * before, parked meanwhile, are applied in the order they came.
     */
    public Uni<Void> handedOff(String jobId, String provider, String externalId, String handle, ObjectNode event) {
        Map<String, String> fields = handle == null ? Map.of(StoredJob.EXTERNAL_ID, externalId)
                : Map.of(StoredJob.EXTERNAL_ID, externalId, StoredJob.PROVIDER_HANDLE, handle);
        return store.record(jobId, TimelineEvent.HANDED_TO_AI_SERVER, event, fields)
                .chain(() -> mapAndReplay(jobId, provider, externalId));
    }

    /**
     * Finishes a hand-off an instance may have left half-done (it died after recording the AI server's id): maps the
     * id again and applies what is still parked for it. Cheap when there is nothing: the fallback calls it before
     * each check.
     */
    public Uni<Void> finishHandoff(StoredJob job) {
        if (job.externalId() == null || job.provider() == null) {
            return Uni.createFrom().voidItem();
        }
        return mapAndReplay(job.id(), job.provider(), job.externalId());
    }

    /** Parked webhooks are dropped only once applied: a crash in between leaves them for the next try. */
    private Uni<Void> mapAndReplay(String jobId, String provider, String externalId) {
        return store.mapExternalId(provider, externalId, jobId).chain(parked -> parked.isEmpty()
                ? Uni.createFrom().voidItem()
                : replay(jobId, parked).chain(() -> store.dropParked(provider, externalId, parked.size())));
    }

    private Uni<?> replay(String jobId, List<Transition> parked) {
        LOG.infof("Job %s: applying %d webhook(s) that arrived before its AI-server id was known", jobId,
                parked.size());
        return Multi.createFrom().iterable(parked)
                .onItem().transformToUniAndConcatenate(change -> run(jobId, change))
                .collect().last();
    }

    /** The report as a change of the state machine, with the timeline entry that tells how it came. */
    private Transition transition(Report report, Arrival arrival) {
        Job.JobError error = report.status() != JobStatus.FAILED ? null
                : report.errorSource() == null ? Job.JobError.fromAiServer(report.errorCode(), report.errorMessage())
                        : new Job.JobError(report.errorSource(), report.errorCode() == null ? "generation_failed"
                                : report.errorCode(), report.errorMessage());
        ObjectNode event = json.object();
        if (!report.hasValidProgress()) {
            // Webhooks with such progress are refused (422); an AI server's answer to our check is taken without it.
            event.put("invalid_progress", report.progress());
            report = report.withoutProgress();
        }
        if (arrival instanceof Arrival.Webhook webhook) {
            event.put("webhook_id", webhook.webhookId())
                    .put("sender_timestamp", webhook.senderTimestamp())
                    .put("authenticated_by", webhook.authenticatedBy().wireName())
                    .put("status", report.upstreamStatus())
                    .put("job_status", report.status() == null ? null : report.status().wireName());
            putProgress(event, report);
            if (webhook.deliveryLagMs() != null) {
                event.put("delivery_lag_ms", webhook.deliveryLagMs());
            }
            return Transition.webhook(report, error, event, webhook.webhookId());
        }
        Arrival.Poll poll = (Arrival.Poll) arrival;
        event.put("external_id", poll.externalId())
                .put("upstream_status", report.upstreamStatus())
                .put("latency_ms", poll.latencyMs())
                .put("overdue_since", String.valueOf(poll.overdueSince()));
        putProgress(event, report);
        return Transition.checked(report, error, event);
    }

    /**
     * Applies again what the {@code webhook_received} entry {@code entry} of the job reported: its status, progress and
     * queue position (the timeline keeps no output, so a {@code succeeded} report is not replayed: a reconcile asks the
     * AI server for it). The replay has its own dedupe id per entry, so replaying an entry twice changes the job once.
     */
    public Uni<TransitionResult> replayWebhook(String jobId, TimelineEntry entry, String by) {
        com.fasterxml.jackson.databind.JsonNode data = entry.details();
        JobStatus target = JobStatus.fromWire(data.path("job_status").asText("")).orElseThrow();
        Double progress = data.hasNonNull("progress") ? data.get("progress").asDouble() : null;
        Integer queuePosition = data.hasNonNull("queue_position") ? data.get("queue_position").asInt() : null;
        Job.JobError error = target == JobStatus.FAILED
                ? Job.JobError.fromAiServer(null, "Replayed by an operator from timeline entry " + entry.id() + ".")
                : null;
        ObjectNode event = json.object()
                .put("action", "replay_webhook")
                .put("by", by)
                .put("replayed_entry", entry.id())
                .put("webhook_id", data.path("webhook_id").asText(null))
                .put("status", data.path("status").asText(null));
        String dedupe = "replay:" + entry.id();
        JobLogContext.set(jobId);
        return transitions.run(jobId,
                Transition.replayedWebhook(target, progress, queuePosition, error, event, dedupe));
    }

    private static void putProgress(ObjectNode event, Report report) {
        if (report.progress() != null) {
            event.put("progress", report.progress());
        }
        if (report.queuePosition() != null) {
            event.put("queue_position", report.queuePosition());
        }
    }
}
