package dev.jobgateway.operations;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.jobgateway.fallback.Reconciler;
import dev.jobgateway.job.CheckSchedule;
import dev.jobgateway.job.JobRecords;
import dev.jobgateway.job.Reports;
import dev.jobgateway.job.StoredJob;
import dev.jobgateway.job.TimelineEntry;
import dev.jobgateway.job.TimelineEvent;
import dev.jobgateway.metrics.DeliveryReport;
import dev.jobgateway.metrics.DeliveryStats;
import dev.jobgateway.metrics.Meters;
import dev.jobgateway.platform.ApiException;
import dev.jobgateway.platform.GatewayClock;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.platform.ProblemType;
import dev.jobgateway.providers.ProviderRegistry;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Operator actions, with the operator key ({@link OperatorKey}): check a job with its AI server now, replay a webhook
 * the job's timeline holds, list the overdue jobs of the pending index, and the delivery report per provider. Every
 * action on a job is recorded in its timeline ({@code operator_action}, with who did it) and is safe to repeat: it
 * goes through the state machine like any report. Not on the public API: on Lambda there is no API Gateway route for
 * {@code /internal/...}; an operator invokes the status function directly (docs/operations.md).
 */
@Path("/internal/ops")
@Produces(MediaType.APPLICATION_JSON)
public class OperatorResource {

    private static final Logger LOG = Logger.getLogger(OperatorResource.class);
    private static final int MAX_PAGE = 200;
    private static final Duration MAX_WINDOW = Duration.ofHours(24);

    private final OperatorKey key;
    private final JobRecords jobs;
    private final Reports reports;
    private final Reconciler reconciler;
    private final CheckSchedule schedule;
    private final ProviderRegistry providers;
    private final DeliveryStats stats;
    private final Meters meters;
    private final int timelineMax;
    private final GatewayClock clock;

    OperatorResource(OperatorKey key, JobRecords jobs, Reports reports, Reconciler reconciler, CheckSchedule schedule,
            ProviderRegistry providers, DeliveryStats stats, Meters meters, GatewayConfig config, GatewayClock clock) {
        this.clock = clock;
        this.key = key;
        this.jobs = jobs;
        this.reports = reports;
        this.reconciler = reconciler;
        this.schedule = schedule;
        this.providers = providers;
        this.stats = stats;
        this.meters = meters;
        this.timelineMax = config.jobs().timelineMaxEntries();
    }

    /** What an action on a job did. */
    @RegisterForReflection
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ActionResult(String jobId, String action, String by, String result, String status, long version,
            String reason) {
    }

    /** A job of the pending index due for a check. */
    @RegisterForReflection
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record OverdueJob(String jobId, String provider, String status, String deliveryState, Instant dueAt,
            long overdueSeconds) {
    }

    @RegisterForReflection
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record OverduePage(long totalOverdue, List<OverdueJob> jobs, Integer nextOffset) {
    }

    @RegisterForReflection
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record DeliveryReports(long windowSeconds, List<DeliveryReport> providers) {
    }

    /** Checks the job with its AI server now, due or not (under the per-job check lease). */
    @POST
    @Path("/jobs/{id}/reconcile")
    public Uni<ActionResult> reconcile(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam("X-Operator") String operator, @PathParam("id") String id) {
        key.check(authorization);
        String by = who(operator);
        return job(id).chain(job -> reconciler.reconcileNow(job).chain(reconciled -> {
            String result = reconciled.action().name().toLowerCase(java.util.Locale.ROOT);
            StoredJob after = reconciled.job() == null ? job : reconciled.job();
            LOG.infof("Operator %s: reconcile of job %s: %s", by, id, result);
            return jobs.note(id, TimelineEvent.OPERATOR_ACTION, jobs.event().put("action", "reconcile")
                    .put("by", by).put("result", result))
                    .replaceWith(new ActionResult(id, "reconcile", by, result, after.status().wireName(),
                            after.version(), null));
        }));
    }

    /** Applies again what a {@code webhook_received} entry of the job's timeline reported. */
    @POST
    @Path("/jobs/{id}/replay/{entry}")
    public Uni<ActionResult> replay(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam("X-Operator") String operator, @PathParam("id") String id, @PathParam("entry") String entry) {
        key.check(authorization);
        String by = who(operator);
        if (entry == null || !entry.matches("[0-9]{1,20}-[0-9]{1,20}")) {
            throw ProblemType.INVALID_REQUEST.with("The entry must be a timeline entry id as GET /jobs/{id}/events "
                    + "gives it (e.g. 1733059200000-0).");
        }
        return job(id).chain(() -> jobs.timeline(id, null, timelineMax)).chain(entries -> {
            TimelineEntry found = entries.stream().filter(e -> e.id().equals(entry)).findFirst()
                    .orElseThrow(() -> ProblemType.NOT_FOUND.with("The job's timeline has no entry " + entry + "."));
            String status = found.details() == null ? "" : found.details().path("job_status").asText("");
            if (!TimelineEvent.WEBHOOK_RECEIVED.wireName().equals(found.type()) || status.isEmpty()) {
                throw ProblemType.INVALID_REQUEST.with("Only webhook_received entries that name the job status they "
                        + "reported can be replayed.");
            }
            if ("succeeded".equals(status)) {
                throw ProblemType.INVALID_REQUEST.with("The timeline keeps no output, so a succeeded webhook is not "
                        + "replayed: POST /internal/ops/jobs/" + id + "/reconcile asks the AI server for it.");
            }
            LOG.infof("Operator %s: replay of timeline entry %s of job %s", by, entry, id);
            return reports.replayWebhook(id, found, by).map(result -> new ActionResult(id, "replay_webhook", by,
                    result.outcome().name().toLowerCase(java.util.Locale.ROOT),
                    result.status() == null ? null : result.status().wireName(), result.version(), result.reason()));
        });
    }

    /** The jobs of the pending index due for a check now, most overdue first, a page at a time. */
    @GET
    @Path("/overdue")
    public Uni<OverduePage> overdue(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @QueryParam("offset") String offsetParam, @QueryParam("limit") String limitParam) {
        key.check(authorization);
        int offset = number(offsetParam, 0, 0, Integer.MAX_VALUE - MAX_PAGE, "offset");
        int limit = number(limitParam, 50, 1, MAX_PAGE, "limit");
        Instant now = clock.now();
        return schedule.countDue(now).invoke(meters::overdue).chain(total -> schedule.dueSince(now, offset, limit + 1)
                .chain(due -> {
                    boolean more = due.size() > limit;
                    List<CheckSchedule.Due> page = more ? due.subList(0, limit) : due;
                    if (page.isEmpty()) {
                        return Uni.createFrom().item(new OverduePage(total, List.of(), null));
                    }
                    return Multi.createFrom().iterable(page)
                            .onItem().transformToUniAndConcatenate(d -> jobs.find(d.jobId()).map(found -> overdueJob(d,
                                    found, now)))
                            .collect().asList()
                            .map(list -> new OverduePage(total, list, more ? offset + limit : null));
                }));
    }

    /**
     * Per provider over the window: webhooks by result, fallback checks by result, completions by way, the
     * missing-webhook ratio, and the delivery lag's percentiles; from the per-minute counts all instances write.
     */
    @GET
    @Path("/delivery")
    public Uni<DeliveryReports> delivery(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @QueryParam("window") String windowParam) {
        key.check(authorization);
        Duration window = window(windowParam);
        int minutes = (int) Math.max(1, window.toMinutes());
        List<Uni<DeliveryReport>> reads = new ArrayList<>();
        for (String provider : providers.names()) {
            reads.add(stats.sum(provider, minutes).map(counts -> DeliveryReport.of(provider, counts)));
        }
        if (reads.isEmpty()) {
            return Uni.createFrom().item(new DeliveryReports(window.toSeconds(), List.of()));
        }
        return Uni.join().all(reads).andFailFast().map(list -> new DeliveryReports(window.toSeconds(), list));
    }

    private Uni<StoredJob> job(String id) {
        if (!Ids.isJobId(id)) {
            return Uni.createFrom().failure(ApiException.jobNotFound(id));
        }
        return jobs.find(id).map(found -> found.orElseThrow(() -> ApiException.jobNotFound(id)));
    }

    private static OverdueJob overdueJob(CheckSchedule.Due due, Optional<StoredJob> found, Instant now) {
        long overdue = Math.max(0, Duration.between(due.dueAt(), now).toSeconds());
        if (found.isEmpty()) {
            return new OverdueJob(due.jobId(), null, null, null, due.dueAt(), overdue);
        }
        StoredJob job = found.get();
        Map<String, String> fields = job.fields();
        return new OverdueJob(due.jobId(), job.provider(), job.status().wireName(), fields.get("delivery_state"),
                due.dueAt(), overdue);
    }

    /** Who did it, for the timeline: the {@code X-Operator} header if it is a plain short name. */
    static String who(String operator) {
        if (operator == null || operator.isBlank()) {
            return "operator";
        }
        if (!operator.matches("[A-Za-z0-9@._-]{1,64}")) {
            throw ProblemType.INVALID_REQUEST.with("X-Operator must be 1 to 64 letters, digits or @._- characters.");
        }
        return operator;
    }

    private static int number(String value, int otherwise, int min, int max, String name) {
        if (value == null || value.isEmpty()) {
            return otherwise;
        }
        if (!value.matches("[0-9]{1,9}") || Integer.parseInt(value) < min || Integer.parseInt(value) > max) {
            throw ProblemType.INVALID_PAGE.with("'" + name + "' must be a whole number from " + min + " to " + max
                    + ".");
        }
        return Integer.parseInt(value);
    }

    private static Duration window(String value) {
        if (value == null || value.isEmpty()) {
            return Duration.ofHours(1);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,4})([mh])").matcher(value);
        Duration window = m.matches() ? (m.group(2).equals("m") ? Duration.ofMinutes(Long.parseLong(m.group(1)))
                : Duration.ofHours(Long.parseLong(m.group(1)))) : null;
        if (window == null || window.isZero() || window.compareTo(MAX_WINDOW) > 0) {
            throw ProblemType.INVALID_REQUEST.with("'window' must be minutes or hours (e.g. 15m, 1h), from 1m to 24h.");
        }
        return window;
    }
}
