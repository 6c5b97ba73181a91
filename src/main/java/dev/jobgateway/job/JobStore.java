package dev.jobgateway.job;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.metrics.Meters;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.RedisScript;
import dev.jobgateway.platform.StoreErrors;
import dev.jobgateway.platform.Timestamps;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.hash.ReactiveHashCommands;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;

/**
 * All job state, in Redis. Every status change goes through {@link #transition}, one Lua script that is the
 * state machine; reads are single commands. Redis outages surface as
 * {@link dev.jobgateway.platform.StoreUnavailableException}. Used only inside the core: the rest of the gateway
 * goes through {@link JobRecords} and {@link Reports}.
 */
@ApplicationScoped
class JobStore {

    private static final String TIMELINE = "store/lib/timeline.lua";
    private static final RedisScript CREATE = RedisScript.fromResource(TIMELINE, "store/create.lua");
    private static final RedisScript RECORD = RedisScript.fromResource(TIMELINE, "store/record.lua");
    private static final RedisScript TRANSITION = RedisScript.fromResource(TIMELINE, "store/transition.lua");
    private static final RedisScript PARK = RedisScript.fromResource("store/park.lua");
    private static final RedisScript MAP = RedisScript.fromResource("store/map.lua");
    private static final RedisScript DROP_PARKED = RedisScript.fromResource("store/drop-parked.lua");

    private final ReactiveRedisDataSource redis;
    private final ReactiveHashCommands<String, String, String> hashes;
    private final ReactiveStreamCommands<String, String, String> streams;
    private final ReactiveValueCommands<String, String> values;
    private final CheckSchedule schedule;
    private final JobJson json;
    private final String ttlMs;
    private final String maxTimeline;
    private final String maxIgnored;
    private final String dedupeMs;
    private final String channel;
    private final String parkedTtlMs;
    private final String parkedMax;
    private final Duration commandTimeout;
    private final Meters meters;

    JobStore(ReactiveRedisDataSource redis, CheckSchedule schedule, JobJson json, Meters meters,
            GatewayConfig config) {
        this.meters = meters;
        this.redis = redis;
        this.hashes = redis.hash(String.class);
        this.streams = redis.stream(String.class);
        this.values = redis.value(String.class);
        this.schedule = schedule;
        this.json = json;
        this.commandTimeout = config.store().commandTimeout();
        this.ttlMs = Long.toString(config.jobs().retention().toMillis());
        this.maxTimeline = Integer.toString(config.jobs().timelineMaxEntries());
        this.maxIgnored = Integer.toString(config.jobs().timelineMaxIgnored());
        this.dedupeMs = Long.toString(config.webhooks().dedupeWindow().toMillis());
        this.channel = config.jobs().changesChannel();
        this.parkedTtlMs = Long.toString(config.webhooks().unmappedTtl().toMillis());
        this.parkedMax = Integer.toString(config.webhooks().unmappedMaxPerJob());
    }

    /**
     * Stores a new job in {@code queued}, with its {@code submitted} timeline entry, and puts it on the
     * sweeper's list first: a list entry without a job is harmless (the sweeper drops it), a job the sweeper
     * cannot find could wait for a webhook forever.
     */
    Uni<Void> create(NewJob job, Instant firstCheckAt) {
        ObjectNode event = json.object().put("provider", job.provider());
        if (job.model() != null) {
            event.put("model", job.model());
        }
        List<String> args = new ArrayList<>(List.of(ttlMs, maxTimeline, job.createdAt().toString(),
                TimelineEvent.SUBMITTED.wireName(), json.write(event),
                StoredJob.ID, job.id(),
                StoredJob.OWNER, job.owner(),
                StoredJob.PROVIDER, job.provider(),
                StoredJob.STATUS, JobStatus.QUEUED.wireName(),
                StoredJob.INPUT, job.inputJson(),
                StoredJob.VERSION, "1",
                StoredJob.DELIVERY_STATE, DeliveryState.AWAITING_WEBHOOK.wireName(),
                StoredJob.WEBHOOKS_RECEIVED, "0",
                StoredJob.CREATED_AT, job.createdAt().toString(),
                StoredJob.UPDATED_AT, job.createdAt().toString(),
                StoredJob.DEADLINE_AT, job.deadlineAt().toString(),
                StoredJob.WEBHOOK_TOKEN_HASH, job.webhookTokenHash()));
        if (job.model() != null) {
            args.add(StoredJob.MODEL);
            args.add(job.model());
        }
        return schedule.schedule(job.id(), firstCheckAt)
                .chain(() -> run(CREATE, List.of(Keys.job(job.id()), Keys.timeline(job.id())), args))
                .invoke(created -> {
                    if (created.toInteger() != 1) {
                        throw new IllegalStateException("Job id collision: " + job.id());
                    }
                })
                .replaceWithVoid();
    }

    Uni<Optional<StoredJob>> find(String jobId) {
        return guarded(hashes.hgetall(Keys.job(jobId)))
                .map(fields -> fields.isEmpty() ? Optional.empty() : Optional.of(new StoredJob(fields)));
    }

    /** Runs a change through the state machine; ignored changes are recorded in the timeline with why. */
    Uni<TransitionResult> transition(String jobId, Transition change) {
        List<String> keys = new ArrayList<>(List.of(Keys.job(jobId), Keys.timeline(jobId)));
        if (change.webhookId() != null) {
            keys.add(Keys.webhookSeen(jobId, change.webhookId()));
        }
        List<String> args = List.of(
                change.target() == null ? "" : change.target().wireName(),
                change.progress() == null ? "" : change.progress().toString(),
                change.outputJson() == null ? "" : change.outputJson(),
                change.error() == null ? "" : json.write(change.error()),
                change.via().wireName(),
                wire(change.via().deliveryState()),
                change.via().completedVia() == null ? "" : change.via().completedVia(),
                Timestamps.now().toString(),
                change.eventType(),
                json.write(change.event()),
                ttlMs,
                maxTimeline,
                channel,
                jobId,
                dedupeMs,
                wire(change.deliveryStateIfUnchanged()),
                maxIgnored,
                change.queuePosition() == null ? "" : change.queuePosition().toString());
        return run(TRANSITION, keys, args).map(reply -> {
            TransitionResult result = transitionResult(jobId, reply);
            if (result.applied() && reply.size() > 6) {
                observe(reply, result, change.via());
            }
            return result;
        })
                .call(result -> result.applied() && result.status().isTerminal() ? unscheduleQuietly(jobId)
                        : Uni.createFrom().voidItem());
    }

    /** Counts a job that started or ended; the script adds its provider, creation time and former status. */
    private void observe(Response reply, TransitionResult result, Via via) {
        String created = reply.get(5).toString();
        meters.transitioned(reply.get(4).toString(), reply.get(6).toString(), result.status().wireName(),
                via.completedVia() == null ? via.wireName() : via.completedVia(),
                created.isEmpty() ? null : Instant.parse(created));
    }

    /** The sweeper's list is cleaned up by the sweeper too, so failing to shorten it must not fail the change. */
    private Uni<Void> unscheduleQuietly(String jobId) {
        return schedule.unschedule(jobId).onFailure().recoverWithNull();
    }

    /** Adds facts that change no state (no version bump) and a timeline entry; false if the job is gone. */
    Uni<Boolean> record(String jobId, TimelineEvent type, ObjectNode event, Map<String, String> fields) {
        List<String> args = new ArrayList<>(List.of(ttlMs, maxTimeline, Timestamps.now().toString(), type.wireName(),
                json.write(event)));
        fields.forEach((name, value) -> {
            args.add(name);
            args.add(value);
        });
        return run(RECORD, List.of(Keys.job(jobId), Keys.timeline(jobId)), args)
                .map(result -> result.toInteger() == 1);
    }

    /** Up to {@code limit} timeline entries, oldest first, after the entry {@code afterId} (null: from the start). */
    Uni<List<TimelineEntry>> timeline(String jobId, String afterId, int limit) {
        StreamRange range = StreamRange.of(afterId == null ? "-" : "(" + afterId, "+");
        return guarded(streams.xrange(Keys.timeline(jobId), range, limit))
                .map(messages -> messages.stream().map(this::timelineEntry).toList());
    }

    /**
     * Maps the AI server's id to the job and hands back, oldest first, the webhooks that arrived for that id before
     * the mapping existed (see {@link #park}); the caller applies them, then drops them ({@link #dropParked}).
     */
    Uni<List<Transition>> mapExternalId(String provider, String externalId, String jobId) {
        return run(MAP, List.of(Keys.externalId(provider, externalId), Keys.parkedWebhooks(provider, externalId)),
                List.of(jobId, ttlMs))
                .map(parked -> {
                    List<Transition> changes = new ArrayList<>();
                    for (Response entry : parked) {
                        changes.add(json.read(entry.toString(), Transition.class));
                    }
                    return changes;
                });
    }

    /**
     * Keeps a verified change for an external id no job is mapped to yet, for the configured while, unless the
     * mapping appeared meanwhile: then its job id is returned and nothing is kept.
     */
    Uni<Optional<String>> park(String provider, String externalId, Transition change) {
        change.event().put("parked_at", Timestamps.now().toString());
        return run(PARK, List.of(Keys.externalId(provider, externalId), Keys.parkedWebhooks(provider, externalId)),
                List.of(json.write(change), parkedTtlMs, parkedMax))
                .map(reply -> reply == null ? Optional.<String> empty() : Optional.of(reply.toString()));
    }

    /** Drops the oldest {@code applied} parked webhooks of the id, once they are applied. */
    Uni<Void> dropParked(String provider, String externalId, int applied) {
        return run(DROP_PARKED, List.of(Keys.parkedWebhooks(provider, externalId)), List.of(Integer.toString(applied)))
                .replaceWithVoid();
    }

    Uni<Optional<String>> jobIdForExternalId(String provider, String externalId) {
        return guarded(values.get(Keys.externalId(provider, externalId))).map(Optional::ofNullable);
    }

    /** Every command is bounded by the store's command timeout (see {@link StoreErrors#guard}). */
    private <T> Uni<T> guarded(Uni<T> call) {
        return StoreErrors.guard(commandTimeout, call);
    }

    private Uni<Response> run(RedisScript script, List<String> keys, List<String> args) {
        return script.run(redis, commandTimeout, keys, args);
    }

    private TimelineEntry timelineEntry(StreamMessage<String, String, String> message) {
        Map<String, String> f = message.payload();
        String reason = f.get("reason");
        return new TimelineEntry(message.id(), f.get("type"), Instant.parse(f.get("at")), f.get("outcome"),
                reason == null || reason.isEmpty() ? null : reason,
                Long.parseLong(f.getOrDefault("version", "0")), json.tree(f.get("data")));
    }

    private static String wire(DeliveryState state) {
        return state == null ? "" : state.wireName();
    }

    private static TransitionResult transitionResult(String jobId, Response reply) {
        TransitionResult.Outcome outcome = TransitionResult.Outcome.valueOf(
                reply.get(0).toString().toUpperCase(Locale.ROOT));
        String reason = reply.get(3).toString();
        return new TransitionResult(jobId, outcome, reply.get(1).toLong(),
                JobStatus.fromWire(reply.get(2).toString()).orElse(null),
                reason.isEmpty() ? null : reason);
    }
}
