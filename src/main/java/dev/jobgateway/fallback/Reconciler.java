package dev.jobgateway.fallback;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.job.Arrival;
import dev.jobgateway.job.CheckSchedule;
import dev.jobgateway.job.Job;
import dev.jobgateway.job.JobRecords;
import dev.jobgateway.job.Report;
import dev.jobgateway.job.Reports;
import dev.jobgateway.job.StoredJob;
import dev.jobgateway.metrics.Meters;
import dev.jobgateway.metrics.Meters.CheckResult;
import dev.jobgateway.metrics.Meters.UpstreamOperation;
import dev.jobgateway.platform.GatewayClock;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.providers.CheckThrottledException;
import dev.jobgateway.providers.HttpStatusException;
import dev.jobgateway.providers.Provider;
import dev.jobgateway.providers.ProviderCallException;
import dev.jobgateway.providers.ProviderJob;
import dev.jobgateway.providers.ProviderRegistry;
import io.smallrye.mutiny.Uni;

/**
 * The fallback for webhooks that do not come: a job with no news for a while is checked with the AI server, at
 * most once per interval across all instances (a lease in Redis), and the answer goes through the same state
 * machine as a webhook ({@code completed_via: poll}). A job past its deadline gets one last check, then fails
 * with {@code error.source: timeout}. An unreachable AI server is recorded and retried later, never taken for
 * a failed job, except at the deadline.
 * <p>
 * For a poll-only provider ({@link Provider#pollOnly()}: no webhooks at all) polling is how completion is learned:
 * such a job is due once its cadence's {@code whileWaited} has passed since the last news, whatever the webhook
 * fallback's settings, so waits and reads that come through here poll it at that pace (one poll per interval across
 * all instances, by the same lease), and the sweeper every {@code idle}. Answers go through the same state machine
 * and the change feed, so a waiter on any instance is woken as by a webhook.
 * <p>
 * A job submitted with an expected end ({@code expected_at}, learned from the provider's recent jobs) is also due at
 * the {@link LearnedChecks} around that moment, so that a lost webhook is made up within about a second of when it
 * should have come; the fixed rule still applies besides, and a job whose checks fail keeps only the fixed rule
 * (with its back-off).
 * <p>
 * A provider that can be asked only at the deadline ({@link Provider#checkedOnlyAtDeadline()}, Cog) is never checked
 * before: its jobs are due at their deadline only, whatever the intervals and learned checks say.
 */
@ApplicationScoped
public class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);

    /** What a reconciliation did. */
    public enum Action {
        /** Nothing due: the job is terminal, fresh, or still being handed over. */
        NOTHING_DUE,
        /** Due, but another caller holds the check lease. */
        BUSY,
        /** The AI server was asked; the job is where it says. */
        CHECKED,
        /** The AI server's answer moved the job. */
        UPDATED,
        /** The AI server could not be reached. */
        UNREACHABLE,
        /** The deadline passed: the job failed with {@code error.source: timeout}. */
        TIMED_OUT,
        /** The job no longer exists. */
        GONE,
        /** Not looked at: the sweep's time budget was spent; the job stays due for the next sweep. */
        DEFERRED,
        /** A succeeded job's output files were copied (or the copy was tried and is due again). */
        COPIED,
        /**
         * Not asked: the provider's shared call budget is spent for now. The job is due again as soon as the budget
         * allows, without counting a failed check or backing off.
         */
        THROTTLED
    }

    /** The job after reconciliation (null if gone) and what was done. */
    public record Reconciled(StoredJob job, Action action) {
    }

    private final JobRecords jobs;
    private final Reports reports;
    private final CheckSchedule schedule;
    private final ProviderRegistry providers;
    private final Duration redisSteps;
    private final Meters meters;
    private final DueRule rule;
    private final SecondGenerations secondGenerations;
    private final GatewayClock clock;

    Reconciler(JobRecords jobs, Reports reports, CheckSchedule schedule, ProviderRegistry providers, Meters meters,
            GatewayConfig config, SecondGenerations secondGenerations, GatewayClock clock) {
        this.clock = clock;
        this.secondGenerations = secondGenerations;
        this.meters = meters;
        this.jobs = jobs;
        this.reports = reports;
        this.schedule = schedule;
        this.providers = providers;
        this.rule = DueRule.from(config.fallback());
        // A check is the provider's answer plus a few Redis steps around it.
        this.redisSteps = config.store().commandTimeout().multipliedBy(3);
    }

    /** Checks the job with the AI server if it is overdue or past its deadline and no other instance is. */
    public Uni<Reconciled> reconcile(StoredJob job) {
        Instant now = clock.now();
        Optional<Provider> provider = providers.forJob(job.provider());
        DueRule.Checking checking = checking(provider);
        if (!rule.isDue(DueRule.Facts.of(job), checking, now)) {
            return Uni.createFrom().item(new Reconciled(job, Action.NOTHING_DUE));
        }
        return checkUnderLease(job, provider, checking, now);
    }

    /**
     * An operator's "check now": the job is checked whether or not it is due, under the same lease (a check running
     * elsewhere is {@link Action#BUSY}); nothing to ask when it has ended or has no AI-server id yet.
     */
    public Uni<Reconciled> reconcileNow(StoredJob job) {
        Instant now = clock.now();
        Optional<Provider> provider = providers.forJob(job.provider());
        DueRule.Checking checking = checking(provider);
        if (job.status().isTerminal() || (!rule.isPastDeadline(DueRule.Facts.of(job), now)
                && (job.externalId() == null || checking.onlyAtDeadline()))) {
            return Uni.createFrom().item(new Reconciled(job, Action.NOTHING_DUE));
        }
        return checkUnderLease(job, provider, checking, now);
    }

    /** {@code provider}: the job's, looked up once per read and passed down (empty: no longer configured). */
    private Uni<Reconciled> checkUnderLease(StoredJob job, Optional<Provider> provider, DueRule.Checking checking,
            Instant now) {
        // The lease covers the whole check, however slow, so no other instance starts one meanwhile; once the
        // answer is in, it is cut back to the interval, which is what spaces the checks of a job. With the defaults
        // the interval is the longer one, and the lease already ends with it: no second command is needed.
        DueRule.Facts facts = DueRule.Facts.of(job);
        Duration interval = rule.leaseInterval(facts, checking, now);
        Duration longestCheck = provider.map(Provider::longestCheck).orElse(Duration.ZERO).plus(redisSteps);
        boolean cutBack = longestCheck.compareTo(interval) > 0;
        return schedule.claim(job.id(), max(interval, longestCheck)).chain(claimed -> {
            if (claimed.isEmpty()) {
                return Uni.createFrom().item(new Reconciled(job, Action.BUSY));
            }
            CheckSchedule.Lease lease = claimed.get();
            boolean pastDeadline = rule.isPastDeadline(facts, now);
            return check(job, provider, rule.dueSince(facts, checking), lease, pastDeadline)
                    .call(action -> cutBack && action != Action.THROTTLED
                            ? schedule.holdUntil(lease, now.plus(interval))
                            : Uni.createFrom().voidItem())
                    .chain(action -> action == Action.THROTTLED ? Uni.createFrom().item(new Reconciled(job, action))
                            : jobs.find(job.id()).chain(found -> {
                                if (found.isEmpty()) {
                                    return Uni.createFrom().item(new Reconciled(null, Action.GONE));
                                }
                                StoredJob after = found.get();
                                Uni<Void> reschedule = after.status().isTerminal() ? Uni.createFrom().voidItem()
                                        : schedule.schedule(after.id(),
                                                rule.nextCheckAt(DueRule.Facts.of(after), checking));
                                return reschedule.replaceWith(new Reconciled(after, action));
                            }));
        });
    }

    /** When the job is next due for a check, for the sweeper's list. */
    public Instant nextCheckAt(StoredJob job) {
        return rule.nextCheckAt(DueRule.Facts.of(job), checking(providers.forJob(job.provider())));
    }

    /** Whether {@link #reconcile} would check the job now (a conditional read answers 304 only if not). */
    public boolean isDueNow(StoredJob job) {
        return rule.isDue(DueRule.Facts.of(job), checking(providers.forJob(job.provider())), clock.now());
    }

    /**
     * How long a wait on this job should sleep before it reads again ({@link DueRule#untilNextCheck}); empty for a job
     * whose news comes by webhook and the change feed.
     */
    public Optional<Duration> nextCheckWithin(Job job) {
        if (job.status().isTerminal()) {
            return Optional.empty();
        }
        return rule.untilNextCheck(DueRule.Facts.of(job), checking(providers.forJob(job.provider())), clock.now());
    }

    /** How the job's provider is checked; a provider no longer configured is waited on as a webhook one. */
    private static DueRule.Checking checking(Optional<Provider> provider) {
        return provider.map(p -> new DueRule.Checking(p.pollOnly(), p.checkedOnlyAtDeadline()))
                .orElse(DueRule.Checking.WEBHOOKS);
    }

    private Uni<Action> check(StoredJob job, Optional<Provider> provider, Instant dueSince, CheckSchedule.Lease lease,
            boolean pastDeadline) {
        if (job.externalId() == null) {
            // Only past the deadline (see isDue): the hand-off never finished, e.g. its instance died mid-submit.
            return timeOut(job, null, null);
        }
        long started = System.nanoTime();
        ProviderJob asked = new ProviderJob(job.id(), job.externalId(), job.model(), job.providerHandle());
        Uni<Report> status = provider.map(p -> p.status(asked))
                .orElseGet(() -> Uni.createFrom().failure(new ProviderCallException("The job's provider '"
                        + job.provider() + "' is not configured any more.")));
        return reports.finishHandoff(job).chain(() -> status)
                .map(report -> {
                    meters.upstream(job.provider(), UpstreamOperation.STATUS, "2xx", System.nanoTime() - started);
                    return new Answer(new Arrival.Poll(job.externalId(), elapsedMs(started), dueSince), report,
                            null);
                })
                .onFailure(CheckThrottledException.class).recoverWithItem(failure -> {
                    meters.check(job.provider(), CheckResult.RATE_LIMITED);
                    return new Answer(null, null, null, ((CheckThrottledException) failure).retryAfter());
                })
                .onFailure().recoverWithItem(failure -> {
                    observeFailedCheck(job.provider(), failure, System.nanoTime() - started);
                    return new Answer(new Arrival.Poll(job.externalId(), elapsedMs(started), dueSince), null,
                            ProviderCallException.describe(failure));
                })
                .chain(answer -> answer.throttledFor() != null ? throttled(job, lease, answer.throttledFor())
                        : answer.report() != null ? apply(job, provider, answer, pastDeadline)
                                : unreachable(job, answer, pastDeadline));
    }

    /** A check without a usable answer, by why: the AI server's status if it gave one, else unreachable. */
    private void observeFailedCheck(String provider, Throwable failure, long nanos) {
        Integer status = failure instanceof HttpStatusException http ? http.status() : null;
        boolean invalid = status == null && failure instanceof ProviderCallException && failure.getCause() == null;
        meters.upstream(provider, UpstreamOperation.STATUS, invalid ? "invalid" : Meters.statusClass(status), nanos);
        meters.check(provider, status == null ? CheckResult.UNREACHABLE
                : status == 404 ? CheckResult.NOT_FOUND
                        : status == 429 ? CheckResult.RATE_LIMITED : CheckResult.UNREACHABLE);
    }

    /** The AI server's answer: a report, or why there is none, or how long the provider's call budget is spent. */
    private record Answer(Arrival.Poll arrival, Report report, String failure, Duration throttledFor) {

        Answer(Arrival.Poll arrival, Report report, String failure) {
            this(arrival, report, failure, null);
        }
    }

    /**
     * The provider's shared call budget is spent: nothing is recorded on the job (it is no failure of the AI server),
     * the lease ends when the budget allows a call again, and the job is due for the sweeper then. At the deadline
     * too: the job is timed out only after an answer (or a failed call), so a short throttle never fails it.
     */
    private Uni<Action> throttled(StoredJob job, CheckSchedule.Lease lease, Duration retryAfter) {
        Instant again = clock.now().plus(retryAfter);
        LOG.debugf("Job %s: check postponed %d ms, the provider's call budget is spent", job.id(),
                retryAfter.toMillis());
        return schedule.holdUntil(lease, again).chain(() -> schedule.schedule(job.id(), again))
                .replaceWith(Action.THROTTLED);
    }

    /**
     * At the deadline, a provider's report that it lost the job starts its second generation instead, where the
     * operator opted in ({@link SecondGenerations}); any other answer goes through the state machine.
     */
    private Uni<Action> apply(StoredJob job, Optional<Provider> provider, Answer answer, boolean pastDeadline) {
        if (pastDeadline && provider.isPresent() && secondGenerations.applies(provider.get(), job, answer.report())) {
            return secondGenerations.start(provider.get(), job, answer.report()).chain(started -> started
                    ? Uni.createFrom().item(Action.UPDATED)
                    : applyReport(job, answer, pastDeadline));
        }
        return applyReport(job, answer, pastDeadline);
    }

    private Uni<Action> applyReport(StoredJob job, Answer answer, boolean pastDeadline) {
        return reports.apply(job.id(), answer.report(), answer.arrival()).chain(result -> {
            meters.check(job.provider(), result.applied() && result.status().isTerminal() ? CheckResult.RECOVERED
                    : CheckResult.STILL_RUNNING);
            if (result.applied() && result.status().isTerminal()) {
                LOG.infof("Job %s: no webhook for %s; the AI server reports it %s", job.id(),
                        Duration.between(job.lastNewsAt(), clock.now()), result.status().wireName());
                return Uni.createFrom().item(Action.UPDATED);
            }
            if (pastDeadline && !(result.status() != null && result.status().isTerminal())) {
                return timeOut(job, answer.report().upstreamStatus(), null);
            }
            return Uni.createFrom().item(result.applied() ? Action.UPDATED : Action.CHECKED);
        });
    }

    private Uni<Action> unreachable(StoredJob job, Answer answer, boolean pastDeadline) {
        LOG.warnf("Job %s: fallback check with the AI server failed: %s", job.id(), answer.failure());
        return reports.unreachable(job.id(), answer.arrival(), answer.failure(), job.upstreamFailures() + 1)
                .chain(() -> pastDeadline ? timeOut(job, null, answer.failure())
                        : Uni.createFrom().item(Action.UNREACHABLE));
    }

    /**
     * Fails a job past its deadline. If the last check could not reach the AI server, the error says so
     * ({@code error.source: upstream_unreachable}): the job may have finished where we could not see it.
     */
    private Uni<Action> timeOut(StoredJob job, String lastUpstreamStatus, String unreachableWhy) {
        Instant created = job.createdAt();
        long seconds = created == null || job.deadlineAt() == null ? 0
                : Duration.between(created, job.deadlineAt()).toSeconds();
        String message = "The job did not finish within its maximum duration of " + seconds + " s.";
        Job.JobError error = unreachableWhy == null
                ? new Job.JobError(Job.ErrorSource.TIMEOUT, "deadline_exceeded", message)
                : new Job.JobError(Job.ErrorSource.UPSTREAM_UNREACHABLE, "deadline_exceeded",
                        message + " The AI server could not be reached to confirm: " + unreachableWhy);
        ObjectNode event = jobs.event().put("deadline_at", String.valueOf(job.deadlineAt()));
        if (lastUpstreamStatus != null) {
            event.put("upstream_status", lastUpstreamStatus);
        }
        return jobs.timeOut(job.id(), error, event).map(result -> {
            if (result.applied()) {
                LOG.infof("Job %s timed out (%s)", job.id(), error.source());
                return Action.TIMED_OUT;
            }
            return Action.CHECKED;
        });
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static long elapsedMs(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }
}
