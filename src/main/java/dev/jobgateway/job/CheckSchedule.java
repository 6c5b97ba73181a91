package dev.jobgateway.job;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.StoreErrors;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.sortedset.ReactiveSortedSetCommands;
import io.quarkus.redis.datasource.sortedset.ScoreRange;
import io.quarkus.redis.datasource.sortedset.ZRangeArgs;
import io.smallrye.mutiny.Uni;

/**
 * When each unfinished job is next due for a check with its AI server (the sweeper's work list) and who may check
 * it now (a lease per job, so one instance asks at a time across all of them).
 */
@ApplicationScoped
public class CheckSchedule {

    private final ReactiveRedisDataSource redis;
    private final ReactiveSortedSetCommands<String, String> sortedSets;
    private final Duration commandTimeout;

    CheckSchedule(ReactiveRedisDataSource redis, GatewayConfig config) {
        this.redis = redis;
        this.sortedSets = redis.sortedSet(String.class);
        this.commandTimeout = config.store().commandTimeout();
    }

    /** Takes the job's check lease if no instance holds it; true if this caller may ask the AI server now. */
    public Uni<Boolean> claim(String jobId, Duration lease) {
        // SET NX PX in one command: a lease that could outlive a crashed holder would stop all checks of the job.
        return guarded(redis.execute("SET", Keys.checkLease(jobId), "1", "NX", "PX",
                Long.toString(Math.max(1, lease.toMillis())))).map(reply -> reply != null);
    }

    /**
     * Ends the job's check lease at {@code until} (at once if that has passed): a lease is taken long enough to cover
     * a slow check, then cut back to the check interval once the check is done.
     */
    public Uni<Void> holdUntil(String jobId, Instant until) {
        return guarded(redis.execute("PEXPIREAT", Keys.checkLease(jobId), Long.toString(until.toEpochMilli())))
                .replaceWithVoid();
    }

    /** Puts the job on the sweeper's list, due at {@code at}. */
    public Uni<Void> schedule(String jobId, Instant at) {
        return guarded(sortedSets.zadd(Keys.pending(), at.toEpochMilli(), jobId)).replaceWithVoid();
    }

    public Uni<Void> unschedule(String jobId) {
        return guarded(sortedSets.zrem(Keys.pending(), jobId)).replaceWithVoid();
    }

    /** Up to {@code limit} job ids due for a check at {@code now}, most overdue first. */
    public Uni<List<String>> due(Instant now, int limit) {
        return guarded(sortedSets.zrangebyscore(Keys.pending(),
                ScoreRange.from(Double.NEGATIVE_INFINITY, now.toEpochMilli()), new ZRangeArgs().limit(0, limit)));
    }

    /** How many jobs are due for a check at {@code now} (the overdue backlog). */
    public Uni<Long> countDue(Instant now) {
        return guarded(sortedSets.zcount(Keys.pending(),
                ScoreRange.from(Double.NEGATIVE_INFINITY, (double) now.toEpochMilli())));
    }

    /** A page of the jobs due at {@code now}, most overdue first, with when each became due. */
    public Uni<List<Due>> dueSince(Instant now, int offset, int limit) {
        return guarded(sortedSets.zrangebyscoreWithScores(Keys.pending(),
                ScoreRange.from(Double.NEGATIVE_INFINITY, (double) now.toEpochMilli()),
                new ZRangeArgs().limit(offset, limit)))
                .map(entries -> entries.stream()
                        .map(e -> new Due(e.value(), Instant.ofEpochMilli((long) e.score()))).toList());
    }

    /** A job of the pending list and when it became due for a check. */
    public record Due(String jobId, Instant dueAt) {
    }

    private <T> Uni<T> guarded(Uni<T> call) {
        return StoreErrors.guard(commandTimeout, call);
    }
}
