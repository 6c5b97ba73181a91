package dev.jobgateway.job;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import dev.jobgateway.metrics.Meters;
import dev.jobgateway.platform.GatewayClock;
import io.smallrye.mutiny.Uni;

/**
 * Every change of a job's status goes through here ({@link Reports} for what AI servers say, {@link JobRecords} for
 * the gateway's own changes): the state machine's step in the store, then, in {@link #afterApplied}, the one place
 * that follows an applied change.
 */
@ApplicationScoped
class Transitions {

    private final JobStore store;
    private final CheckSchedule schedule;
    private final DurationHistory durations;
    private final Meters meters;
    private final GatewayClock clock;
    private final Instance<ChangeObserver> observers;

    Transitions(JobStore store, CheckSchedule schedule, DurationHistory durations, Meters meters, GatewayClock clock,
            Instance<ChangeObserver> observers) {
        this.observers = observers;
        this.store = store;
        this.schedule = schedule;
        this.durations = durations;
        this.meters = meters;
        this.clock = clock;
    }

    Uni<TransitionResult> run(String jobId, Transition change) {
        return run(jobId, change, null);
    }

    /** As {@link JobStore#transition(String, Transition, WebhookGuard)}, and what follows if it is applied. */
    Uni<TransitionResult> run(String jobId, Transition change, WebhookGuard guard) {
        return store.transition(jobId, change, guard)
                .call(result -> result.applied() && result.before() != null ? afterApplied(jobId, change, result)
                        : Uni.createFrom().voidItem())
                .call(result -> result.applied() ? announce(jobId) : Uni.createFrom().voidItem());
    }

    /**
     * Every applied change (a new version) is told to the observers (push), whichever door it came through: this
     * one, or the end of an output copy ({@link JobRecords#settleOutputs}).
     */
    Uni<Void> announce(String jobId) {
        Uni<Void> all = Uni.createFrom().voidItem();
        for (ChangeObserver observer : observers) {
            all = all.call(() -> observer.changed(jobId));
        }
        return all;
    }

    /**
     * What follows an applied change: it is counted; an ended job leaves the sweeper's list (or stays on it, due now,
     * while its files are still to be copied); a success a webhook reported teaches how long such jobs take.
     */
    private Uni<Void> afterApplied(String jobId, Transition change, TransitionResult result) {
        TransitionResult.Before before = result.before();
        meters.transitioned(before.provider(), before.status(), result.status().wireName(),
                change.via().completedVia() == null ? change.via().wireName() : change.via().completedVia(),
                before.createdAt());
        if (!result.status().isTerminal()) {
            return Uni.createFrom().voidItem();
        }
        // A success whose files are still to be copied stays on the sweeper's list, due now: if the instance that
        // starts the copy dies, a sweep finds the job (it is on the list already, so a failure to move it up leaves
        // it due at its old time, never lost). The list is cleaned up by the sweeper too, so failing to shorten it
        // must not fail the change.
        Uni<Void> listed = change.leavesCopyPending()
                ? schedule.schedule(jobId, clock.now()).onFailure().recoverWithNull()
                : schedule.unschedule(jobId).onFailure().recoverWithNull();
        return listed.call(() -> learn(result, change.via()));
    }

    /** A success a webhook reported teaches how long its owner's jobs of the provider (and model) take. */
    private Uni<Void> learn(TransitionResult result, Via via) {
        TransitionResult.Before before = result.before();
        if (result.status() != JobStatus.SUCCEEDED || via != Via.WEBHOOK || before.createdAt() == null) {
            return Uni.createFrom().voidItem();
        }
        return durations.record(before.owner(), before.provider(), before.model(),
                Duration.between(before.createdAt(), clock.now()));
    }
}
