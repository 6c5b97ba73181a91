package dev.jobgateway.platform;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * Every gateway-wide setting, with its default, in one tree under {@code gateway.*}; each provider's own settings
 * ({@code gateway.providers.<name>.*}) are a mapping in its package.
 * Environment variables map the usual way: {@code gateway.public-base-url} is {@code GATEWAY_PUBLIC_BASE_URL}.
 */
@ConfigMapping(prefix = "gateway")
public interface GatewayConfig {

    /** Base URL at which AI servers reach this gateway; webhook URLs handed to them start with it. */
    @WithDefault("http://localhost:8080")
    String publicBaseUrl();

    /**
     * Frontend API keys as {@code key=owner} pairs, comma-separated ({@code GATEWAY_API_KEYS}); required in
     * production. A job is visible only to the owner whose key created it; several keys may share an owner.
     */
    Optional<List<String>> apiKeys();

    /** Job lifecycle and storage. */
    Jobs jobs();

    /** Redis as the gateway uses it. */
    Store store();

    /** Request size limits, checked before Redis is touched. */
    Limits limits();

    /** Webhook verification shared by all providers. */
    Webhooks webhooks();

    /** Long-polls ({@code ?wait=}, {@code Prefer: wait=}). */
    Waits waits();

    /** Asking the AI server about jobs whose webhooks do not come. */
    Fallback fallback();

    /** The reconciliation of overdue jobs nobody is reading. */
    Sweeper sweeper();

    /** {@code Idempotency-Key} on {@code POST /jobs}. */
    Idempotency idempotency();

    /** The operator actions ({@code /internal/ops/...}). */
    Operator operator();

    /** Delivery metrics beyond {@code /q/metrics}: CloudWatch EMF lines, the per-minute delivery counts. */
    Metrics metrics();

    /** AI-server providers: the default one (each provider's own settings are in its package). */
    Providers providers();

    /** Read tokens: short-lived bearer tokens that let a browser read given jobs without the API key. */
    ReadTokens readTokens();

    /** Copies of succeeded jobs' output files in an S3 bucket of the operator's (off by default). */
    Outputs outputs();

    /** The list-screen demo (dev builds only; absent from production builds). */
    Demo demo();

    /** The simulated AI server (dev and test builds only; absent from production builds). */
    Simulator simulator();

    interface Store {
        /**
         * A Redis command (or script) not answered within this is an outage: the caller gets 503 with
         * {@code Retry-After}. Far above a healthy Redis's milliseconds, far below the functions' timeouts.
         */
        @WithDefault("2s")
        Duration commandTimeout();
    }

    interface Jobs {
        /** How long a job and its timeline stay in Redis after their last change. */
        @WithDefault("7d")
        Duration retention();

        /** Timeline entries kept per job (a capped stream; the oldest go first). */
        @WithDefault("500")
        int timelineMaxEntries();

        /**
         * Ignored reports (duplicates, late, out of order) written to a job's timeline; later ones are only counted,
         * so a sender that keeps redelivering cannot push the job's real history out.
         */
        @WithDefault("50")
        int timelineMaxIgnored();

        /** A job not terminal after this long is timed out (the seed article's 5 minutes). */
        @WithDefault("300s")
        Duration maxDuration();

        /** The largest {@code max_duration_seconds} a submit may ask for. */
        @WithDefault("3600s")
        Duration maxDurationCap();

        /** The {@code poll_after_ms} hint given to plain pollers of a job that is not terminal. */
        @WithDefault("1500ms")
        Duration pollAfter();

        /** Redis pub/sub channel on which every accepted change is announced. */
        @WithDefault("jobgw:changes")
        String changesChannel();
    }

    interface Limits {
        /** Largest request body accepted on any endpoint, in bytes. */
        @WithDefault("262144")
        int maxBodyBytes();

        /** Largest serialized {@code input} object of a job, in bytes. */
        @WithDefault("65536")
        int maxInputBytes();

        /** Most job ids in one batch read ({@code GET /jobs?ids=}). */
        @WithDefault("50")
        int maxBatchIds();
    }

    interface Waits {
        /** Longest a read is held; larger requests are clamped to it. Keep it below API Gateway's 30 s. */
        @WithDefault("25s")
        Duration maxWait();

        /** A held read re-reads Redis at least this often, in case a change notice was lost. */
        @WithDefault("5s")
        Duration safetyReread();

        /**
         * The change feed PINGs its subscriber connection this often; a connection that stays silent longer than this
         * plus the store's command timeout (a half-open socket after a Lambda thaw, a hung node), or longer than the
         * Redis TCP idle timeout if that is shorter, is replaced.
         */
        @WithDefault("10s")
        Duration feedPingInterval();
    }

    interface Fallback {
        /** A job not terminal with no news (webhook or check) for this long is checked with the AI server. */
        @WithDefault("20s")
        Duration checkAfter();

        /** At most one check per job per this interval, across all instances; doubled after each failed check. */
        @WithDefault("20s")
        Duration checkInterval();

        /** Upper bound of the doubled interval while the AI server cannot be reached. */
        @WithDefault("5m")
        Duration maxCheckInterval();

        /**
         * Learn how long each provider's (and model's) jobs take from the webhooks that finish them, and check a job
         * whose webhook is late just after it was expected to finish, instead of waiting for {@code check-after}.
         */
        @WithDefault("true")
        boolean learnDurations();

        /** Recent durations kept per provider and model (the newest ones; all instances share them in Redis). */
        @WithDefault("50")
        int durationSamples();

        /** Durations needed before a job is expected at all; with fewer, a job gets only the fixed rule. */
        @WithDefault("5")
        int durationMinSamples();

        /**
         * The share of recent jobs expected to have finished by a new job's expected time: higher costs fewer checks
         * of jobs whose webhook does come, and makes up a lost one later.
         */
        @WithDefault("0.9")
        double durationQuantile();

        /**
         * A job whose webhook has not come is checked this long after its expected time, then after twice as long
         * each time (1, 2, 4, 8 s ... past it) until the gap reaches {@code check-interval}.
         */
        @WithDefault("1s")
        Duration expectedMargin();
    }

    interface Sweeper {
        /** How often a plain-HTTP instance sweeps by itself (0 = never); on Lambda a schedule calls the sweeper. */
        @WithDefault("30s")
        Duration every();

        /** Overdue jobs reconciled per sweep call. */
        @WithDefault("200")
        int batchSize();

        /**
         * A sweep starts no new check after this long, so that it answers within the function's timeout (28 s on
         * Lambda) even when the AI server is slow; what it leaves stays due for the next sweep.
         */
        @WithDefault("20s")
        Duration timeBudget();

        /**
         * Bearer key that {@code POST /internal/sweep} requires on a plain-HTTP instance; without one the route refuses
         * every call there (the instance sweeps by itself). On Lambda the route has no API Gateway route: only the
         * schedule, invoking the function directly, reaches it, and no key is asked.
         */
        Optional<String> key();
    }

    interface Operator {
        /**
         * Bearer key the operator actions ({@code /internal/ops/...}: reconcile, replay, overdue, delivery report)
         * require on every runtime ({@code GATEWAY_OPERATOR_KEY}); without one they refuse every call. Not an API key:
         * on Lambda the routes have no API Gateway route either, only a direct invoke of the function reaches them.
         */
        Optional<String> key();
    }

    interface Metrics {
        /**
         * Record the gateway's delivery meters ({@code /q/metrics}, EMF, the delivery report's counts). Off, the meters
         * stay registered at zero: the benchmark's comparison instance runs so.
         */
        @WithDefault("true")
        boolean enabled();

        /**
         * Emit the delivery meters as CloudWatch Embedded Metric Format lines on stdout, one batch per invocation:
         * {@code auto} on Lambda only, {@code on}, {@code off}.
         */
        @WithDefault("auto")
        String emf();

        /** The CloudWatch namespace of the EMF metrics. */
        @WithDefault("JobGateway")
        String emfNamespace();

        /** How long the per-minute delivery counts behind the operator's delivery report are kept in Redis. */
        @WithDefault("8d")
        Duration deliveryStatsRetention();
    }

    interface Webhooks {
        /** Largest accepted difference between a webhook's timestamp and our clock, either way. */
        @WithDefault("5m")
        Duration timestampTolerance();

        /** How long a {@code webhook-id} is remembered to drop redeliveries (at least the sender's retry horizon). */
        @WithDefault("24h")
        Duration dedupeWindow();

        /**
         * How long a verified webhook naming an AI-server job id not (yet) mapped to a job is kept, to be applied
         * when the submit that is still talking to the AI server maps it.
         */
        @WithDefault("10m")
        Duration unmappedTtl();

        /** Webhooks kept per unmapped AI-server job id; beyond it the oldest go (a sender cannot fill Redis). */
        @WithDefault("20")
        int unmappedMaxPerJob();

        /**
         * Keys of the per-job webhook tokens (RunPod, Cog, the generic protocol's {@code token} mode) as
         * {@code kid=secret} pairs, comma-separated; the first signs, every one verifies. A token is the HMAC of its
         * job id, checked before Redis is asked about the job, so a forged one costs no Redis command about it.
         * Without a key, the instances share one that the first of them stores in Redis (what a rotation cannot do:
         * set keys for that). Key ids are 1-16 letters or digits; secrets have 32+ characters.
         */
        Optional<List<String>> tokenKeys();
    }

    interface Idempotency {
        /** How long a completed submit is remembered under its {@code Idempotency-Key} (per owner). */
        @WithDefault("24h")
        Duration ttl();

        /**
         * How long a claimed key whose job was never stored (the submit died or Redis failed between the two) blocks
         * other submits with that key (409) before one may take it over. Once the job is stored the key names it for
         * good, however long the hand-off takes.
         */
        @WithDefault("10s")
        Duration lease();
    }

    /**
     * What is gateway-wide about providers. Each provider's own settings ({@code gateway.providers.<name>.*}) are a
     * {@code @ConfigMapping} in its package (e.g. {@code providers.replicate.ReplicateConfig}).
     */
    interface Providers {
        /** The provider of a submit that names none ({@code "provider"}); it must be configured. */
        @WithName("default")
        @WithDefault("generic")
        String defaultProvider();
    }

    interface ReadTokens {
        /**
         * Signing keys as {@code kid=secret} pairs, comma-separated; the first signs, every one verifies (rotate by
         * putting a new key first, then dropping the old one once its tokens have expired). Secrets have at least
         * 32 characters. Without any key, read tokens are off (submits carry none, minting is refused).
         */
        Optional<List<String>> keys();

        /** How long a read token is valid (also the longest a mint call may ask for). */
        @WithDefault("15m")
        Duration ttl();
    }

    interface Outputs {
        /**
         * Copy every output file of a succeeded job to the bucket and return the copies; off leaves outputs exactly as
         * the AI server gave them.
         */
        @WithDefault("false")
        boolean enabled();

        /** The bucket (required when enabled). */
        Optional<String> bucket();

        /** Key prefix of the copies: {@code <prefix><job id>/<output index>.<ext>}. */
        @WithDefault("outputs/")
        String prefix();

        /** The bucket's AWS region; without it, the SDK's default (on Lambda, {@code AWS_REGION}). */
        Optional<String> region();

        /** Another S3-compatible endpoint (S3Proxy, MinIO, R2); without it, AWS S3 of the region. */
        Optional<String> endpoint();

        /** Path-style requests ({@code endpoint/bucket/key}), as most S3-compatible servers want. */
        @WithDefault("false")
        boolean pathStyle();

        /** How long a presigned GET URL a read returns is valid (at most 7 days, S3's limit). */
        @WithDefault("1h")
        Duration presignTtl();

        /**
         * Base URL of a public bucket or CDN in front of it; reads then return {@code <base>/<key>} instead of
         * presigned
         * URLs.
         */
        Optional<String> publicBaseUrl();

        /** Largest output file copied; a larger one fails the copy ({@code output_storage: failed}). */
        @WithDefault("52428800")
        long maxFileBytes();

        /** Largest total of one job's output files. */
        @WithDefault("209715200")
        long maxJobBytes();

        /**
         * Most files copied per job; the output's further files are listed as {@code skipped} and left as the AI
         * server gave them (a data URL among them is removed: its bytes never go into Redis).
         */
        @WithDefault("20")
        int maxFiles();

        /**
         * Files above this are uploaded in parts (bounded memory: one part at a time); at least 5 MiB, checked at
         * start-up.
         */
        @WithDefault("8388608")
        int multipartThreshold();

        /** Size of each uploaded part; at least S3's minimum of 5 MiB, checked at start-up. */
        @WithDefault("8388608")
        int partSize();

        /** Time allowed to connect to an output's source. */
        @WithDefault("5s")
        Duration connectTimeout();

        /**
         * Time allowed for one file, from the look-up of its host to its last byte in the bucket, however the source
         * sends it (a source that trickles bytes is cut off then, not when it falls silent).
         */
        @WithDefault("60s")
        Duration fileTimeout();

        /**
         * Time allowed for one attempt at a job's copy, all its files together (and for the data URLs stored with a
         * success); files not reached by then stay pending for the next attempt, files stored are kept.
         */
        @WithDefault("120s")
        Duration jobTimeout();

        /**
         * Fetch sources on private, loopback or link-local addresses too; only for dev and tests, where the AI server
         * runs on 127.0.0.1. Off, an AI server cannot make the gateway fetch internal addresses.
         */
        @WithDefault("false")
        boolean allowPrivateSources();

        /** Copy attempts (after S3 outages, source errors, timeouts) before {@code output_storage: failed}. */
        @WithDefault("12")
        int maxAttempts();

        /** First pause before a copy is tried again; doubles per attempt up to {@code max-retry-backoff}. */
        @WithDefault("2s")
        Duration retryBackoff();

        /** Upper bound of the doubled pause. */
        @WithDefault("5m")
        Duration maxRetryBackoff();

        /**
         * Start the copy on the instance that recorded the success, right after it; off leaves it to the sweeper (set
         * off on Lambda, where an instance is frozen once it has answered).
         */
        @WithDefault("true")
        boolean copyAfterChange();
    }

    interface Demo {
        /** Port of the list-screen demo and its backend in dev mode ({@code /demo} redirects there). */
        @WithDefault("8090")
        int port();
    }

    interface Simulator {
        /** Port of the simulated AI server in dev and test builds. */
        @WithDefault("8089")
        int port();
    }
}
