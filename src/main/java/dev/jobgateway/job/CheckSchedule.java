package dev.jobgateway.job;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.jobgateway.platform.GatewayClock;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.RedisScript;
import dev.jobgateway.platform.SharedConnection;
import dev.jobgateway.platform.StoreErrors;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.sortedset.ReactiveSortedSetCommands;
import io.quarkus.redis.datasource.sortedset.ScoreRange;
import io.quarkus.redis.datasource.sortedset.ZRangeArgs;
import io.smallrye.mutiny.Uni;

/**
 * When each unfinished job is next due for a check with its AI server (the sweeper's work list) and who may check
 * it now (a lease per job, so one instance asks at a time across all of them). A lease holds its holder's token:
 * only the holder moves or ends it, so a holder whose lease ran out while it was still checking (a slow AI server, a
 * slow copy) cannot cut short the lease another instance took since.
 */
@ApplicationScoped
public class CheckSchedule {

    private static final RedisScript MOVE_LEASE = RedisScript.fromResource("store/lease.lua");

    private final ReactiveRedisDataSource redis;
    private final SharedConnection shared;
    private final ReactiveSortedSetCommands<String, String> sortedSets;
    private final Duration commandTimeout;

    private final GatewayClock clock;

    CheckSchedule(ReactiveRedisDataSource redis, SharedConnection shared, GatewayConfig config, GatewayClock clock) {
        this.clock = clock;
        this.redis = redis;
        this.shared = shared;
        this.sortedSets = redis.sortedSet(String.class);
        this.commandTimeout = config.store().commandTimeout();
    }

    /** A job's check lease as its holder knows it: the token that makes it this holder's. */
    public record Lease(String jobId, String owner) {
    }

    /** Takes the job's check lease if no instance holds it; the lease if this caller may ask the AI server now. */
    public Uni<Optional<Lease>> claim(String jobId, Duration lease) {
        Lease taken = new Lease(jobId, UUID.randomUUID().toString());
        // SET NX PX in one command: a lease that could outlive a crashed holder would stop all checks of the job.
        return guarded(redis.execute("SET", Keys.checkLease(jobId), taken.owner(), "NX", "PX",
                Long.toString(Math.max(1, lease.toMillis())))).map(
                        reply -> Optional.ofNullable(reply == null ? null
                                : taken));
    }

    /**
     * Ends the job's check lease at {@code until} (at once if that has passed), if it is still {@code lease}'s: a
     * lease is taken long enough to cover a slow check, then cut back to the check interval once the check is done.
     * Compared and moved in one script, so no other holder's lease is touched in between. False if the lease had
     * run out or was another's by then (nothing changed).
     */
    public Uni<Boolean> holdUntil(Lease lease, Instant until) {
        return MOVE_LEASE.run(shared, commandTimeout, List.of(Keys.checkLease(lease.jobId())),
                List.of(lease.owner(), Long.toString(Duration.between(clock.now(), until).toMillis())))
                .map(reply -> reply.toInteger() == 1);
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
