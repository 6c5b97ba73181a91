package dev.jobgateway.platform;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * Every setting of the gateway, with its default, in one tree under {@code gateway.*}.
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

    /** AI-server providers. */
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

    interface Providers {
        /** The provider of a submit that names none ({@code "provider"}); it must be configured. */
        @WithName("default")
        @WithDefault("generic")
        String defaultProvider();

        /** The built-in generic AI-server protocol; configured when its URL is set. */
        Generic generic();

        /** Replicate's predictions API; configured when its API token is set. */
        Replicate replicate();

        /** fal.ai's queue API; configured when its key is set. */
        Fal fal();

        /** A ComfyUI server (no webhooks: polled); configured when its URL is set. */
        Comfyui comfyui();

        /** RunPod serverless endpoints; configured when its API key and endpoint id are set. */
        RunPod runpod();

        /** A self-hosted Cog model server; configured when its URL is set. */
        Cog cog();
    }

    interface Generic {
        /**
         * Base URL of the AI server, e.g. {@code https://ai.example.com}; the provider is configured when it is set.
         */
        Optional<String> url();

        /** How a webhook proves it comes from this AI server. */
        @WithDefault("signature")
        WebhookAuth webhookAuth();

        /**
         * Accepted Standard Webhooks secrets ({@code whsec_...}), comma-separated; the first one is current,
         * the others are accepted during rotation.
         */
        Optional<List<String>> webhookSecrets();

        /** Calls made to hand a job to the AI server before the job is failed (1 = no retry). */
        @WithDefault("3")
        int submitAttempts();

        /** First pause between submit attempts; it doubles, with jitter, on each retry. */
        @WithDefault("200ms")
        Duration submitBackoff();

        /** Time allowed for one call to the AI server. */
        @WithDefault("5s")
        Duration requestTimeout();
    }

    /**
     * How the gateway calls a provider whose create call has no idempotency key it can trust (Replicate, fal, ComfyUI):
     * the same rules, each provider's own values.
     */
    interface HostedCalls {
        /** Create calls made before the job is failed; only 429s and connections never made are retried. */
        @WithDefault("3")
        int submitAttempts();

        /** First pause between create calls; doubles on each retry. */
        @WithDefault("500ms")
        Duration submitBackoff();

        /** The longest {@code Retry-After} of a 429 that is waited for; a longer one fails the hand-off at once. */
        @WithDefault("3s")
        Duration maxRetryAfter();

        /** Time allowed for one call to the provider (a fal fallback check may make two: status, then result). */
        @WithDefault("5s")
        Duration requestTimeout();
    }

    interface Replicate extends HostedCalls {
        /** Base URL of Replicate's HTTP API. */
        @WithDefault("https://api.replicate.com")
        String url();

        /** API token ({@code Authorization: Bearer}); the provider is configured only when it is set. */
        Optional<String> apiToken();

        /**
         * The account's webhook signing secrets ({@code whsec_...}, from {@code GET /v1/webhooks/default/secret}),
         * comma-separated, current first; required when the provider is configured.
         */
        Optional<List<String>> webhookSecrets();

        /**
         * Model of a submit that names none: {@code owner/name}, {@code owner/name:<version>} or a 64-hex version id.
         * Without it, every Replicate submit must name its {@code model}.
         */
        Optional<String> defaultModel();

        /** The webhook events asked for ({@code webhook_events_filter}): start, output, logs, completed. */
        @WithDefault("start,output,logs,completed")
        List<String> webhookEvents();
    }

    interface Fal extends HostedCalls {
        /** Base URL of fal's queue API. */
        @WithDefault("https://queue.fal.run")
        String url();

        /** API key ({@code Authorization: Key}); the provider is configured only when it is set. */
        Optional<String> key();

        /**
         * The fal user id webhooks must be signed for ({@code X-Fal-Webhook-User-Id}); required when the provider is
         * configured, so that fal webhooks of another account are refused.
         */
        Optional<String> webhookUserId();

        /** Where fal publishes the public keys of its webhook signatures (a JWKS of Ed25519 keys). */
        @WithDefault("https://rest.alpha.fal.ai/.well-known/jwks.json")
        String jwksUrl();

        /** How long fetched webhook keys are used before they are fetched again. */
        @WithDefault("1h")
        Duration jwksCacheTtl();

        /**
         * A signature that no cached key verifies makes the keys be fetched again (fal may have added one), but not
         * more often than this, so forged webhooks cannot make the gateway fetch in a loop.
         */
        @WithDefault("1m")
        Duration jwksMinRefetchInterval();

        /**
         * Model id of a submit that names none, e.g. {@code fal-ai/flux/dev}; without it every fal submit must name
         * one.
         */
        Optional<String> defaultModel();
    }

    interface Comfyui extends HostedCalls {
        /**
         * Base URL of the ComfyUI server, e.g. {@code http://comfy.internal:8188}; the provider is configured when it
         * is set. Output URLs ({@code /view?...}) are made on it, so clients must be able to reach it.
         */
        Optional<String> url();

        /**
         * ComfyUI sends no webhooks: while a client waits on or reads a job, it is polled at most once per this
         * interval across all instances, and a waiting client learns of completion within about this long.
         */
        @WithDefault("1s")
        Duration pollIntervalWaiting();

        /**
         * How often the sweeper polls a job nobody waits on or reads (no more often than the sweep itself runs:
         * {@code gateway.sweeper.every}, or the schedule on Lambda).
         */
        @WithDefault("10s")
        Duration pollIntervalIdle();
    }

    interface RunPod extends HostedCalls {
        /** Base URL of RunPod's serverless API. */
        @WithDefault("https://api.runpod.ai")
        String url();

        /** API key ({@code Authorization: Bearer}); the provider is configured only when it and an endpoint are set. */
        Optional<String> apiKey();

        /**
         * The endpoint id of a submit that names none ({@code model}); a submit may name another endpoint of the
         * account.
         */
        Optional<String> endpointId();

        /**
         * Fallback and confirmation {@code /status} calls allowed per endpoint per {@code status-window}, counted in
         * Redis across every instance. RunPod allows 2,000 per 10 s; the default keeps a margin for clock jitter and
         * for other clients of the same endpoint.
         */
        @WithDefault("1800")
        int statusBudget();

        /** The window of {@code status-budget}. */
        @WithDefault("10s")
        Duration statusWindow();

        /**
         * How long RunPod keeps a finished job's result (then {@code /status} answers 404, and the job fails with
         * {@code error.source: upstream_lost}). Start-up refuses a fallback schedule that could check later than this.
         */
        @WithDefault("30m")
        Duration resultRetention();
    }

    interface Cog {
        /** Base URL of the Cog server, e.g. {@code http://cog.internal:5000}; the provider is configured when set. */
        Optional<String> url();

        /**
         * The server's {@code WEBHOOK_AUTH_TOKEN}: when set, every Cog webhook must carry it as
         * {@code Authorization: Bearer} (compared in constant time), besides the per-job URL token.
         */
        Optional<String> webhookAuthToken();

        /** The webhook events asked for ({@code webhook_events_filter}): start, output, logs, completed. */
        @WithDefault("start,output,logs,completed")
        List<String> webhookEvents();

        /**
         * Create calls made before the job is failed. Every one is the same idempotent {@code PUT}, so all failures
         * are retried: {@code 409} (every slot busy), 429, 5xx, timeouts, connection errors.
         */
        @WithDefault("4")
        int submitAttempts();

        /**
         * First pause between create calls; doubles on each retry (0.5 s, 1 s, 2 s by default: with the request
         * timeout, the attempts fit in the submit function's 24 s on Lambda).
         */
        @WithDefault("500ms")
        Duration submitBackoff();

        /** Time allowed for one call to the Cog server (a {@code respond-async} PUT answers at once). */
        @WithDefault("3s")
        Duration requestTimeout();

        /**
         * Largest webhook body Cog's route takes, in bytes (other providers: {@code limits.max-body-bytes}): Cog sends
         * outputs inline as data URLs unless started with an upload URL. Above it: 413 (docs/providers.md). On
         * Lambda, API Gateway passes at most 6 MB to the function whatever this says.
         */
        @WithDefault("5242880")
        int maxWebhookBodyBytes();
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

    /** What authenticates a webhook. */
    enum WebhookAuth {
        /** A valid Standard Webhooks signature. */
        SIGNATURE,
        /** The per-job token carried in the webhook URL (for senders that cannot sign, e.g. self-hosted Cog). */
        TOKEN,
        /** Either of the two. */
        SIGNATURE_OR_TOKEN
    }
}
