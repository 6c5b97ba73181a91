package dev.jobgateway.job;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.vertx.mutiny.redis.client.Response;

/**
 * {@code store/transition.lua} as Java sees it: its arguments by name ({@link Args}, in ARGV order, each one set
 * exactly once) and its reply read by name ({@link Reply}). The script's header describes each.
 */
final class TransitionScript {

    private TransitionScript() {
    }

    /** ARGV[1] to ARGV[23], in order. */
    enum Arg {
        TARGET,
        PROGRESS,
        OUTPUT,
        ERROR,
        VIA,
        DELIVERY_STATE,
        COMPLETED_VIA,
        NOW,
        EVENT_TYPE,
        EVENT_DATA,
        TTL_MS,
        MAX_TIMELINE,
        CHANNEL,
        JOB_ID,
        DEDUPE_MS,
        DELIVERY_STATE_IF_UNCHANGED,
        MAX_IGNORED,
        QUEUE_POSITION,
        OUTPUT_FILES,
        OUTPUT_STORAGE,
        GUARD_PROVIDER,
        GUARD_EXTERNAL_ID,
        GUARD_TOKEN_HASH
    }

    /** The arguments of one call; null stands for '' (the script's "none"). */
    static final class Args {

        private final Map<Arg, String> values = new EnumMap<>(Arg.class);

        Args set(Arg arg, String value) {
            if (values.put(arg, value == null ? "" : value) != null) {
                throw new IllegalStateException(arg + " set twice");
            }
            return this;
        }

        /** ARGV as the script reads it; every argument must have been set. */
        List<String> list() {
            List<String> argv = new ArrayList<>(Arg.values().length);
            for (Arg arg : Arg.values()) {
                String value = values.get(arg);
                if (value == null) {
                    throw new IllegalStateException(arg + " not set");
                }
                argv.add(value);
            }
            return argv;
        }
    }

    /**
     * {@code {outcome, version, status, reason, code, provider, created_at, status before, model, owner}}; the last
     * five are '' unless the change was applied.
     */
    record Reply(String outcome, long version, String status, String reason, String code, String provider,
            String createdAt, String statusBefore, String model, String owner) {

        static Reply of(Response reply) {
            return new Reply(reply.get(0).toString(), reply.get(1).toLong(), reply.get(2).toString(),
                    text(reply, 3), text(reply, 4), text(reply, 5), text(reply, 6), text(reply, 7), text(reply, 8),
                    text(reply, 9));
        }

        private static String text(Response reply, int index) {
            Response value = index < reply.size() ? reply.get(index) : null;
            return value == null ? "" : value.toString();
        }

        TransitionResult result(String jobId) {
            TransitionResult.Outcome named = TransitionResult.Outcome.valueOf(outcome.toUpperCase(Locale.ROOT));
            boolean applied = named == TransitionResult.Outcome.APPLIED;
            return new TransitionResult(jobId, named, version, JobStatus.fromWire(status).orElse(null),
                    reason.isEmpty() ? null : reason,
                    IgnoreReason.fromWire(code).orElse(null),
                    named == TransitionResult.Outcome.REJECTED
                            ? WebhookGuard.Refusal.valueOf(code.toUpperCase(Locale.ROOT))
                            : null,
                    applied ? new TransitionResult.Before(blankToNull(provider), blankToNull(model),
                            blankToNull(owner), createdAt.isEmpty() ? null : Instant.parse(createdAt),
                            blankToNull(statusBefore)) : null);
        }

        private static String blankToNull(String value) {
            return value.isEmpty() ? null : value;
        }
    }
}
