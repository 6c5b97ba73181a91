package dev.jobgateway.fallback;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import dev.jobgateway.job.DeliveryState;
import dev.jobgateway.job.Job;
import dev.jobgateway.job.StoredJob;
import dev.jobgateway.providers.PollCadence;

/**
 * When a job is due for a check with its AI server, written once: a pure rule over the job's facts ({@link Facts}),
 * how its provider is checked ({@link Checking}, asked of the provider registry once per read) and the fallback's
 * settings. The {@link Reconciler} runs the checks; this only says when.
 * <ul>
 * <li>A job of a webhook provider is due once it has had no news for {@code checkAfter}, and again every check
 * interval (doubled per failed check in a row, up to the longest); a job submitted with an expected end is also due at
 * its {@link LearnedChecks} around that end, unless its checks have been failing.</li>
 * <li>A poll-only provider's job is due once its cadence's {@code whileWaited} has passed since the last news.</li>
 * <li>A provider asked only at the deadline (Cog) is due at the deadline only.</li>
 * <li>Every job not ended is due at its deadline; before it, a job not handed off yet (no AI-server id) is not.</li>
 * </ul>
 */
record DueRule(Duration checkAfter, Duration checkInterval, Duration maxCheckInterval, LearnedChecks learned) {

    /** Past the moment a job is due, so that the read that comes then is the check. */
    static final Duration DUE_MARGIN = Duration.ofMillis(20);
    /** How soon a read looks again when the job is due but another instance holds the check. */
    static final Duration BUSY_REREAD = Duration.ofMillis(250);

    /** How the job's provider is checked: poll-only (its cadence), or only at the deadline, or neither. */
    record Checking(Optional<PollCadence> pollOnly, boolean onlyAtDeadline) {

        static final Checking WEBHOOKS = new Checking(Optional.empty(), false);
    }

    /**
     * What the rule reads of a job. {@code lastNewsAt}: the later of its last change and its last check (one meaning,
     * whichever way the job was read). {@code handedOff}: the AI server's id is known.
     */
    record Facts(boolean ended, boolean handedOff, Instant lastNewsAt, Instant deadlineAt, Instant expectedAt,
            Instant lastCheckAt, int failedChecks) {

        static Facts of(StoredJob job) {
            return new Facts(job.status().isTerminal(), job.externalId() != null, job.lastNewsAt(), job.deadlineAt(),
                    job.expectedAt(), job.lastUpstreamCheckAt(), job.upstreamFailures());
        }

        /**
         * From the job as a read shows it: the count of failed checks is not shown, only whether the last one failed
         * (then 1); the AI server's id is not shown either (taken as known: a wait only asks how long to sleep).
         */
        static Facts of(Job job) {
            Job.Delivery delivery = job.delivery();
            Instant checked = delivery == null ? null : delivery.lastUpstreamCheckAt();
            Instant news = job.updatedAt();
            if (news == null || (checked != null && checked.isAfter(news))) {
                news = checked;
            }
            boolean failing = delivery != null
                    && DeliveryState.UPSTREAM_UNREACHABLE.wireName().equals(delivery.state());
            return new Facts(job.status().isTerminal(), true, news, null,
                    delivery == null ? null : delivery.expectedAt(), checked, failing ? 1 : 0);
        }
    }

    static DueRule from(dev.jobgateway.platform.GatewayConfig.Fallback config) {
        return new DueRule(config.checkAfter(), config.checkInterval(), config.maxCheckInterval(),
                LearnedChecks.from(config));
    }

    boolean isPastDeadline(Facts job, Instant now) {
        return job.deadlineAt() != null && !now.isBefore(job.deadlineAt());
    }

    /** Whether a check is due now. */
    boolean isDue(Facts job, Checking checking, Instant now) {
        if (job.ended()) {
            return false;
        }
        if (isPastDeadline(job, now)) {
            return true;
        }
        if (checking.onlyAtDeadline()) {
            return false;
        }
        // Without an external id the hand-off is still in flight: there is nothing to ask the AI server about.
        return job.handedOff() && !now.isBefore(dueSince(job, checking));
    }

    /**
     * When the job became due: its last news plus the quiet time (a poll-only provider's interval, else check-after),
     * or its learned check if that comes first.
     */
    Instant dueSince(Facts job, Checking checking) {
        Duration quiet = checking.pollOnly().map(PollCadence::whileWaited).orElse(checkAfter);
        return earlier(job.lastNewsAt().plus(quiet), learnedCheck(job, checking).orElse(null));
    }

    /** When the job is next due for a check, for the sweeper's list. */
    Instant nextCheckAt(Facts job, Checking checking) {
        if (checking.onlyAtDeadline() && job.deadlineAt() != null) {
            return job.deadlineAt();
        }
        Instant next = checking.pollOnly().isPresent()
                ? job.lastNewsAt().plus(max(checking.pollOnly().get().idle(), checkInterval(job, checking)))
                : job.lastNewsAt().plus(max(checkAfter, checkInterval(job, checking)));
        next = earlier(next, learnedCheck(job, checking).orElse(null));
        return earlier(next, job.deadlineAt());
    }

    /**
     * How long a check now holds the job's lease: the check interval, or for a check of the learned series the gap to
     * its next one (the fixed interval would hold off the series' next checks).
     */
    Duration leaseInterval(Facts job, Checking checking, Instant now) {
        Duration interval = checkInterval(job, checking);
        Optional<Instant> point = learnedCheck(job, checking).filter(at -> !now.isBefore(at));
        if (point.isEmpty()) {
            return interval;
        }
        Duration gap = learned.gapAfter(job.expectedAt(), point.get());
        return gap.compareTo(interval) < 0 ? gap : interval;
    }

    /**
     * How long a wait on this job should sleep before it reads again: for a running job of a poll-only provider, until
     * its next poll is due (the read then polls), at most its interval; for a job with an expected end, until its next
     * learned check (the read then checks); empty for every other job, whose news comes by webhook and the change feed.
     */
    Optional<Duration> untilNextCheck(Facts job, Checking checking, Instant now) {
        if (job.ended()) {
            return Optional.empty();
        }
        if (checking.pollOnly().isEmpty()) {
            return checking.onlyAtDeadline() ? Optional.empty() : learnedCheckWithin(job, now);
        }
        Duration interval = checking.pollOnly().get().whileWaited();
        if (job.lastNewsAt() == null) {
            return Optional.of(interval);
        }
        Duration untilDue = Duration.between(now, job.lastNewsAt().plus(interval));
        if (untilDue.isNegative() || untilDue.isZero()) {
            // Due, yet this read did not poll: another instance holds the lease (a poll in flight, or backing off
            // after failures). Its answer wakes the wait through the change feed; look again a little later, not in
            // a tight loop.
            return Optional.of(interval.dividedBy(4));
        }
        // Just past the moment the job is due (and its lease has expired), so that the read is the poll.
        Duration pause = untilDue.plus(DUE_MARGIN);
        return Optional.of(pause.compareTo(interval) > 0 ? interval : pause);
    }

    private Optional<Duration> learnedCheckWithin(Facts job, Instant now) {
        if (job.expectedAt() == null || job.failedChecks() > 0) {
            return Optional.empty();
        }
        return learned.next(job.expectedAt(), job.lastCheckAt()).map(at -> {
            Duration until = Duration.between(now, at).plus(DUE_MARGIN);
            // Due, yet this read did not check: another instance holds the lease. Its answer, if it changes the job,
            // comes through the change feed; otherwise look again shortly, not in a tight loop.
            return until.compareTo(BUSY_REREAD) < 0 ? BUSY_REREAD : until;
        });
    }

    /**
     * The job's next check of the {@link LearnedChecks} around its expected end: only for a job of a webhook provider
     * that was submitted with one, whose checks have not been failing.
     */
    private Optional<Instant> learnedCheck(Facts job, Checking checking) {
        if (job.expectedAt() == null || job.failedChecks() > 0 || checking.pollOnly().isPresent()
                || checking.onlyAtDeadline()) {
            return Optional.empty();
        }
        return learned.next(job.expectedAt(), job.lastCheckAt());
    }

    /**
     * The check interval (a poll-only provider's while-waited cadence, else the fallback's), doubled for each check in
     * a row that could not reach the AI server, up to the longest.
     */
    Duration checkInterval(Facts job, Checking checking) {
        Duration interval = checking.pollOnly().map(PollCadence::whileWaited).orElse(checkInterval);
        for (int i = 0; i < job.failedChecks() && interval.compareTo(maxCheckInterval) < 0; i++) {
            interval = interval.multipliedBy(2);
        }
        return interval.compareTo(maxCheckInterval) > 0 ? maxCheckInterval : interval;
    }

    private static Instant earlier(Instant a, Instant b) {
        return b != null && b.isBefore(a) ? b : a;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
