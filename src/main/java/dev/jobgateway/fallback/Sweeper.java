package dev.jobgateway.fallback;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.jobgateway.job.CheckSchedule;
import dev.jobgateway.job.JobRecords;
import dev.jobgateway.metrics.Meters;
import dev.jobgateway.outputs.OutputCopier;
import dev.jobgateway.platform.GatewayClock;
import dev.jobgateway.platform.GatewayConfig;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Reconciles the overdue jobs nobody is reading: takes the due entries of the pending list, runs each through
 * the {@link Reconciler} (same lease, same transition path as reads) and puts the ones still running back on
 * the list at their next check time. Safe to run on any number of instances at once.
 */
@ApplicationScoped
public class Sweeper {

    private static final Logger LOG = Logger.getLogger(Sweeper.class);
    /** Jobs checked at once: bounds the upstream calls one sweep makes in parallel. */
    private static final int CONCURRENCY = 8;

    private final JobRecords jobs;
    private final CheckSchedule schedule;
    private final Reconciler reconciler;
    private final int batchSize;
    private final Duration timeBudget;
    private final OutputCopier copier;
    private final Meters meters;
    private final GatewayClock clock;

    Sweeper(JobRecords jobs, CheckSchedule schedule, Reconciler reconciler, OutputCopier copier, Meters meters,
            GatewayConfig config, GatewayClock clock) {
        this.clock = clock;
        this.copier = copier;
        this.meters = meters;
        this.jobs = jobs;
        this.schedule = schedule;
        this.reconciler = reconciler;
        this.batchSize = config.sweeper().batchSize();
        this.timeBudget = config.sweeper().timeBudget();
    }

    /** What one sweep did: jobs looked at, and what happened to them. */
    @RegisterForReflection
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record SweepReport(int due, int checked, int updated, int timedOut, int unreachable, int busy,
            int notYetDue, int removed, int deferred, int outputCopies, long durationMs) {
    }

    public Uni<SweepReport> sweep() {
        return sweep(timeBudget);
    }

    /** A sweep that starts checks for at most {@code budget}; the jobs it has no time for stay due. */
    Uni<SweepReport> sweep(Duration budget) {
        long started = System.nanoTime();
        long stopStartingAt = started + budget.toNanos();
        Instant now = clock.now();
        return schedule.due(now, batchSize)
                .onItem().transformToMulti(ids -> Multi.createFrom().iterable(ids))
                .onItem().transformToUni(jobId -> System.nanoTime() - stopStartingAt >= 0
                        ? Uni.createFrom().item(Reconciler.Action.DEFERRED)
                        : sweepOne(jobId))
                .merge(CONCURRENCY)
                .collect().asList()
                .map(actions -> report(actions, started))
                .call(report -> meters.enabled() ? schedule.countDue(clock.now())
                        .invoke(overdue -> meters.sweep(report.deferred(), overdue))
                        .onFailure().recoverWithNull() : Uni.createFrom().voidItem());
    }

    private Uni<Reconciler.Action> sweepOne(String jobId) {
        return jobs.find(jobId).chain(found -> {
            if (found.isPresent() && found.get().status().isTerminal() && OutputCopier.isPending(found.get())) {
                // A success whose output files are still to be copied (the instance that stored it died, or the
                // copy is left to the sweeper, as on Lambda, or it is being tried again).
                return copier.copy(found.get()).map(outcome -> outcome == OutputCopier.Outcome.BUSY
                        ? Reconciler.Action.BUSY
                        : Reconciler.Action.COPIED);
            }
            if (found.isEmpty() || found.get().status().isTerminal()) {
                return schedule.unschedule(jobId).replaceWith(Reconciler.Action.GONE);
            }
            return reconciler.reconcile(found.get()).call(reconciled -> switch (reconciled.action()) {
                // Not checked here (news came meanwhile, or another instance holds the lease and is checking
                // right now): look again after the job's interval.
                case NOTHING_DUE, BUSY -> schedule.schedule(jobId, reconciler.nextCheckAt(reconciled.job()));
                case GONE -> schedule.unschedule(jobId);
                // Checked: the reconciler rescheduled the job, or a terminal transition took it off the list.
                default -> Uni.createFrom().voidItem();
            }).map(Reconciler.Reconciled::action);
        }).onFailure().recoverWithItem(failure -> {
            // One bad job must not stop the sweep; it stays on the list and is tried next time.
            LOG.warnf("Sweep of job %s failed: %s", jobId, failure.toString());
            return Reconciler.Action.BUSY;
        });
    }

    private static SweepReport report(List<Reconciler.Action> actions, long started) {
        Map<Reconciler.Action, Integer> counts = new EnumMap<>(Reconciler.Action.class);
        for (Reconciler.Action action : new ArrayList<>(actions)) {
            counts.merge(action, 1, Integer::sum);
        }
        SweepReport report = new SweepReport(actions.size(),
                counts.getOrDefault(Reconciler.Action.CHECKED, 0),
                counts.getOrDefault(Reconciler.Action.UPDATED, 0),
                counts.getOrDefault(Reconciler.Action.TIMED_OUT, 0),
                counts.getOrDefault(Reconciler.Action.UNREACHABLE, 0),
                counts.getOrDefault(Reconciler.Action.BUSY, 0),
                counts.getOrDefault(Reconciler.Action.NOTHING_DUE, 0),
                counts.getOrDefault(Reconciler.Action.GONE, 0),
                counts.getOrDefault(Reconciler.Action.DEFERRED, 0),
                counts.getOrDefault(Reconciler.Action.COPIED, 0),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        if (report.due() > 0) {
            LOG.infof("Sweep: %s", report);
        }
        return report;
    }
}
