package dev.jobgateway.job;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.platform.GatewayClock;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.RedisScript;
import dev.jobgateway.platform.SharedConnection;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
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
    private static final RedisScript OUTPUTS = RedisScript.fromResource(TIMELINE, "store/outputs.lua");
    private static final RedisScript DROP_PARKED = RedisScript.fromResource("store/drop-parked.lua");

    private final ReactiveRedisDataSource redis;
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
    private final SharedConnection shared;
    private final GatewayClock clock;

    JobStore(ReactiveRedisDataSource redis, CheckSchedule schedule, JobJson json, SharedConnection shared,
            GatewayConfig config, GatewayClock clock) {
        this.clock = clock;
        this.shared = shared;
        this.redis = redis;
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
        if (job.expectedAt() != null) {
            args.add(StoredJob.EXPECTED_AT);
            args.add(job.expectedAt().toString());
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

    /** The whole job, on the shared connection: every read of a job starts here. */
    Uni<Optional<StoredJob>> find(String jobId) {
        return guarded(shared.send(Request.cmd(Command.HGETALL).arg(Keys.job(jobId)))).map(reply -> {
            Map<String, String> fields = fields(reply);
            return fields.isEmpty() ? Optional.empty() : Optional.of(new StoredJob(fields));
        });
    }

    /** An HGETALL reply as a map: a map in RESP3, a flat list of names and values in RESP2. */
    private static Map<String, String> fields(Response reply) {
        Map<String, String> fields = new HashMap<>();
        // The core type, not the Mutiny wrapper, which would wrap every element it hands out.
        io.vertx.redis.client.Response raw = reply == null ? null : reply.getDelegate();
        if (raw == null || raw.size() == 0) {
            return fields;
        }
        if (raw.isMap()) {
            for (String name : raw.getKeys()) {
                fields.put(name, raw.get(name).toString());
            }
        } else {
            for (int i = 0; i + 1 < raw.size(); i += 2) {
                fields.put(raw.get(i).toString(), raw.get(i + 1).toString());
            }
        }
        return fields;
    }

    /**
     * What a conditional read needs and nothing more, in one HMGET: owner, status, version, and the fields that say
     * whether a check with the AI server is due ({@link StoredJob#HEAD_FIELDS}). Empty if there is no such job.
     */
    Uni<Optional<StoredJob>> head(String jobId) {
        Request request = Request.cmd(Command.HMGET).arg(Keys.job(jobId));
        for (String field : StoredJob.HEAD_FIELDS) {
            request.arg(field);
        }
        return guarded(shared.send(request)).map(reply -> {
            Map<String, String> present = new HashMap<>();
            io.vertx.redis.client.Response raw = reply == null ? null : reply.getDelegate();
            for (int i = 0; raw != null && i < raw.size() && i < StoredJob.HEAD_FIELDS.length; i++) {
                io.vertx.redis.client.Response value = raw.get(i);
                if (value != null) {
                    present.put(StoredJob.HEAD_FIELDS[i], value.toString());
                }
            }
            return present.containsKey(StoredJob.ID) ? Optional.of(new StoredJob(present)) : Optional.empty();
        });
    }

    /** Runs a change through the state machine; ignored changes are recorded in the timeline with why. */
    Uni<TransitionResult> transition(String jobId, Transition change) {
        return transition(jobId, change, null);
    }

    /**
     * As {@link #transition(String, Transition)}, for a webhook whose match with the job ({@code guard}, null: none
     * to check) the script checks first: a mismatch is {@code rejected} and changes nothing. Only the script's step:
     * what follows an applied change is {@link Transitions}'.
     */
    Uni<TransitionResult> transition(String jobId, Transition change, WebhookGuard guard) {
        List<String> keys = new ArrayList<>(List.of(Keys.job(jobId), Keys.timeline(jobId)));
        if (change.webhookId() != null) {
            keys.add(Keys.webhookSeen(jobId, change.webhookId()));
        }
        TransitionScript.Args args = new TransitionScript.Args()
                .set(TransitionScript.Arg.TARGET, change.target() == null ? "" : change.target().wireName())
                .set(TransitionScript.Arg.PROGRESS, change.progress() == null ? "" : change.progress().toString())
                .set(TransitionScript.Arg.OUTPUT, change.outputJson())
                .set(TransitionScript.Arg.ERROR, change.error() == null ? "" : json.write(change.error()))
                .set(TransitionScript.Arg.VIA, change.via().wireName())
                .set(TransitionScript.Arg.DELIVERY_STATE, wire(change.via().deliveryState()))
                .set(TransitionScript.Arg.COMPLETED_VIA, change.via().completedVia())
                .set(TransitionScript.Arg.NOW, clock.now().toString())
                .set(TransitionScript.Arg.EVENT_TYPE, change.eventType())
                .set(TransitionScript.Arg.EVENT_DATA, json.write(change.event()))
                .set(TransitionScript.Arg.TTL_MS, ttlMs)
                .set(TransitionScript.Arg.MAX_TIMELINE, maxTimeline)
                .set(TransitionScript.Arg.CHANNEL, channel)
                .set(TransitionScript.Arg.JOB_ID, jobId)
                .set(TransitionScript.Arg.DEDUPE_MS, dedupeMs)
                .set(TransitionScript.Arg.DELIVERY_STATE_IF_UNCHANGED, wire(change.deliveryStateIfUnchanged()))
                .set(TransitionScript.Arg.MAX_IGNORED, maxIgnored)
                .set(TransitionScript.Arg.QUEUE_POSITION,
                        change.queuePosition() == null ? "" : change.queuePosition().toString())
                .set(TransitionScript.Arg.OUTPUT_FILES, change.outputFilesJson())
                .set(TransitionScript.Arg.OUTPUT_STORAGE,
                        change.outputStorage() == null ? null : change.outputStorage().wireName())
                .set(TransitionScript.Arg.GUARD_PROVIDER, guard == null ? "" : guard.provider())
                .set(TransitionScript.Arg.GUARD_EXTERNAL_ID, guard == null ? "" : guard.externalId())
                .set(TransitionScript.Arg.GUARD_TOKEN_HASH, guard == null ? "" : guard.tokenHash());
        return run(TRANSITION, keys, args.list()).map(reply -> TransitionScript.Reply.of(reply).result(jobId));
    }

    /**
     * Ends the copy of a job's files ({@code output_storage} from {@code pending} to {@code state}): a new version,
     * announced like a transition, with a timeline entry. False if the copy had ended already (another instance).
     */
    Uni<Boolean> settleOutputs(String jobId, Job.OutputState state, String filesJson, TimelineEvent type,
            ObjectNode event) {
        return run(OUTPUTS, List.of(Keys.job(jobId), Keys.timeline(jobId)),
                List.of("settle", filesJson, state.wireName(),
                        clock.now().toString(), type.wireName(), json.write(event), ttlMs, maxTimeline, channel, jobId))
                .map(reply -> "applied".equals(reply.get(0).toString()));
    }

    /**
     * Counts an attempt at a pending copy as it starts (an attempt cut off with its instance counts too); the
     * attempt's number, or 0 if the copy is not pending.
     */
    Uni<Integer> copyBegins(String jobId) {
        return run(OUTPUTS, List.of(Keys.job(jobId), Keys.timeline(jobId)), List.of("begin", "", "",
                clock.now().toString(), "", "", ttlMs, maxTimeline, channel, jobId))
                .map(reply -> "begun".equals(reply.get(0).toString()) ? reply.get(1).toInteger() : 0);
    }

    /** Notes a failed copy attempt of a pending copy in the timeline (counted as it began); the attempts so far. */
    Uni<Integer> copyFailed(String jobId, String filesJson, ObjectNode event) {
        return run(OUTPUTS, List.of(Keys.job(jobId), Keys.timeline(jobId)), List.of("retry", filesJson, "",
                clock.now().toString(), TimelineEvent.OUTPUT_COPY_FAILED.wireName(), json.write(event), ttlMs,
                maxTimeline, channel, jobId))
                .map(reply -> "recorded".equals(reply.get(0).toString()) ? reply.get(1).toInteger() : 0);
    }

    /** Adds facts that change no state (no version bump) and a timeline entry; false if the job is gone. */
    Uni<Boolean> record(String jobId, TimelineEvent type, ObjectNode event, Map<String, String> fields) {
        List<String> args = new ArrayList<>(List.of(ttlMs, maxTimeline, clock.now().toString(), type.wireName(),
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
        change.event().put("parked_at", clock.now().toString());
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

    /** Every command is bounded by the store's command timeout (see {@link SharedConnection#guard}). */
    private <T> Uni<T> guarded(Uni<T> call) {
        return shared.guard(commandTimeout, call);
    }

    private Uni<Response> run(RedisScript script, List<String> keys, List<String> args) {
        return script.run(shared, commandTimeout, keys, args);
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
}
