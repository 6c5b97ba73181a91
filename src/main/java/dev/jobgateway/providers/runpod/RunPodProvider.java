package dev.jobgateway.providers.runpod;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.job.Arrival;
import dev.jobgateway.job.Report;
import dev.jobgateway.platform.GatewayClock;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.ProblemType;
import dev.jobgateway.platform.SharedRateLimit;
import dev.jobgateway.providers.CancelAttempt;
import dev.jobgateway.providers.Cancels;
import dev.jobgateway.providers.CheckThrottledException;
import dev.jobgateway.providers.CreateAttempts;
import dev.jobgateway.providers.CreateAttempts.Idempotency;
import dev.jobgateway.providers.CreateAttempts.InvalidAnswerException;
import dev.jobgateway.providers.Handoff;
import dev.jobgateway.providers.InboundWebhook;
import dev.jobgateway.providers.Order;
import dev.jobgateway.providers.ProviderCallException;
import dev.jobgateway.providers.ProviderHttp;
import dev.jobgateway.providers.ProviderJob;
import dev.jobgateway.providers.ProviderJson;
import dev.jobgateway.providers.TokenWebhooks;
import dev.jobgateway.providers.WebhookBodies;
import dev.jobgateway.providers.WebhookReceiver;
import dev.jobgateway.providers.WebhookRequest;
import io.smallrye.mutiny.Uni;

/**
 * RunPod serverless endpoints. A job is {@code POST /v2/{endpoint}/run} with the job's per-job webhook URL (RunPod
 * cannot sign: the URL's unguessable token authenticates it) and a {@code policy} from the job's deadline: {@code ttl},
 * the job's whole life at RunPod, queue included, so that a job still queued at its deadline is dropped rather than
 * run (and billed) up to a day later, and {@code executionTimeout}, its longest run (runpod/docs
 * {@code serverless/endpoints/send-requests.mdx}). A failed job shows the worker's message, never the traceback, host
 * or worker id RunPod's error carries (those go to the log). {@code /run} has no idempotency key: like Replicate's
 * create, only a 429 and a connection
 * never made are tried again. The fallback asks {@code /status/{id}} under a budget shared by every instance
 * (RunPod limits {@code /status} to 2,000 calls per 10 s per endpoint); a terminal webhook is confirmed with one such
 * call before its output is trusted. Results are kept 30 minutes after completion: a 404 then fails the job with
 * {@code error.source: upstream_lost} rather than leave it unfinished.
 */
@ApplicationScoped
public class RunPodProvider implements WebhookReceiver {

    public static final String NAME = "runpod";
    private static final Logger LOG = Logger.getLogger(RunPodProvider.class);
    private static final Pattern ENDPOINT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    /** RunPod's floor for {@code policy.executionTimeout}: "Must be > 5000 ms" (send-requests.mdx). */
    static final long MIN_EXECUTION_TIMEOUT_MS = 5_001;
    /** RunPod's floor for {@code policy.ttl}: 10 s (send-requests.mdx). */
    static final long MIN_TTL_MS = 10_000;
    /** RunPod's ceiling for both: 7 days (send-requests.mdx). */
    static final long MAX_POLICY_MS = Duration.ofDays(7).toMillis();
    /** A 429 without {@code Retry-After}: RunPod's windows are 10 s; a second's pause spreads the retries. */
    private static final Duration THROTTLED_PAUSE = Duration.ofSeconds(1);

    private final RunPodConfig config;
    private final ProviderHttp http;
    private final ObjectMapper mapper;
    private final ObjectReader webhookReader;
    private final SharedRateLimit limits;
    private final URI base;
    private final GatewayClock clock;

    RunPodProvider(RunPodConfig config, GatewayConfig gateway, ProviderHttp http, ObjectMapper mapper,
            SharedRateLimit limits, GatewayClock clock) {
        this.clock = clock;
        this.config = config;
        this.http = http;
        this.mapper = mapper;
        this.limits = limits;
        this.webhookReader = WebhookBodies.reader(mapper, RunPodJob.class);
        this.base = ProviderHttp.base(config.url());
        config.endpointId().ifPresent(RunPodProvider::checkEndpoint);
        if (configured()) {
            checkRetentionIsReached(gateway, config);
        }
    }

    /**
     * The fallback checks an unfinished job at least every {@code fallback.max-check-interval} (plus a sweep's
     * period), so a job that finished without a webhook is asked about that long after it finished at the latest.
     * That must come before RunPod drops the result, or the job could only fail as lost.
     */
    static void checkRetentionIsReached(GatewayConfig gateway, RunPodConfig config) {
        Duration sweep = gateway.sweeper().every().isZero() ? Duration.ofMinutes(1) : gateway.sweeper().every();
        Duration latest = gateway.fallback().maxCheckInterval().plus(sweep).plus(config.statusWindow());
        Duration retention = config.resultRetention();
        if (latest.compareTo(retention) >= 0) {
            throw new IllegalStateException("RunPod keeps results for " + retention + " (gateway.providers.runpod"
                    + ".result-retention), but the fallback may check a job only " + latest + " after it finished "
                    + "(gateway.fallback.max-check-interval + the sweep period + gateway.providers.runpod"
                    + ".status-window): lower the check interval");
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean configured() {
        return config.apiKey().filter(key -> !key.isBlank()).isPresent()
                && config.endpointId().filter(id -> !id.isBlank()).isPresent();
    }

    /** The job's endpoint id: the one given, or the configured one. */
    @Override
    public String route(String model) {
        if (model == null) {
            return config.endpointId().orElseThrow();
        }
        checkEndpoint(model);
        return model;
    }

    private static void checkEndpoint(String endpoint) {
        if (!ENDPOINT.matcher(endpoint).matches()) {
            throw ProblemType.INVALID_REQUEST.with("'model' is not a RunPod endpoint id (letters, digits, '-', '_'; "
                    + "at most 64).");
        }
    }

    @Override
    public Uni<Handoff> submit(Order order) {
        ObjectNode body = mapper.createObjectNode();
        body.set("input", order.input());
        body.put("webhook", order.webhookUrl());
        Instant now = clock.now();
        body.putObject("policy").put("executionTimeout", executionTimeoutMs(order.deadline(), now))
                .put("ttl", ttlMs(order.deadline(), now));
        byte[] bytes = ProviderJson.bytes(mapper, body);
        URI run = base.resolve("v2/" + order.model() + "/run");
        return CreateAttempts.run(NAME, config.submitRetries(), Idempotency.NOT_IDEMPOTENT, () -> http.send("POST",
                run, ProviderHttp.jsonBodyHeaders(authorization()), bytes, config.requestTimeout()).map(answer -> {
                    RunPodJob job = parse(answer);
                    if (job.id() == null || job.id().isBlank()) {
                        throw new InvalidAnswerException("RunPod accepted the job but returned no id.");
                    }
                    return job.id();
                }));
    }

    /** {@code policy.executionTimeout}: the ms left until the job's deadline, within RunPod's limits. */
    static long executionTimeoutMs(Instant deadline, Instant now) {
        return Math.min(MAX_POLICY_MS, Math.max(MIN_EXECUTION_TIMEOUT_MS, Duration.between(now, deadline).toMillis()));
    }

    /**
     * {@code policy.ttl}: the ms left until the job's deadline, within RunPod's limits. A deadline nearer than RunPod's
     * 10 s minimum leaves the job at RunPod a little longer than the gateway waits for it.
     */
    static long ttlMs(Instant deadline, Instant now) {
        return Math.min(MAX_POLICY_MS, Math.max(MIN_TTL_MS, Duration.between(now, deadline).toMillis()));
    }

    /**
     * {@code GET /v2/{endpoint}/status/{id}}, if the endpoint's shared budget allows a call now; otherwise (or on
     * RunPod's own 429) a {@link CheckThrottledException}, which the fallback takes as "ask again soon". A 404 means
     * RunPod no longer knows the job (its result was removed after the retention): the job fails as lost.
     */
    @Override
    public Uni<Report> status(ProviderJob job) {
        String endpoint = job.model() == null ? config.endpointId().orElse("") : job.model();
        return limits.take(NAME + ":status:" + endpoint, config.statusBudget(), config.statusWindow())
                .chain(wait -> {
                    if (!wait.isZero()) {
                        throw new CheckThrottledException("The RunPod endpoint's status budget ("
                                + config.statusBudget() + " per " + config.statusWindow().toSeconds()
                                + " s) is spent.", wait);
                    }
                    return http.send("GET", base.resolve("v2/" + endpoint + "/status/" + job.externalId()),
                            ProviderHttp.jsonHeaders(authorization()), null, config.requestTimeout());
                })
                .map(answer -> {
                    if (answer.status() == 404) {
                        return lost(job);
                    }
                    if (answer.status() == 429) {
                        Duration retryAfter = answer.retryAfter();
                        throw new CheckThrottledException("RunPod refused the status call as rate limited (HTTP 429).",
                                retryAfter == null ? THROTTLED_PAUSE : retryAfter);
                    }
                    RunPodJob known = parse(answer);
                    logWorkerError(job, known);
                    return known.toReport().orElseThrow(() -> ProviderCallException.unknownStatus("RunPod",
                            known.status()));
                });
    }

    /**
     * The worker's host and id are kept from the job (and its timeline, which the job's reader may see too); the
     * operator finds them here, with the job, to look at that worker's logs.
     */
    private static void logWorkerError(ProviderJob job, RunPodJob known) {
        if ("FAILED".equals(known.status())) {
            RunPodError error = RunPodError.of(known.error());
            if (error.workerId() != null || error.hostname() != null) {
                LOG.infof("Job %s: RunPod job %s failed on worker %s (host %s): %s", job.jobId(), job.externalId(),
                        error.workerId(), error.hostname(), error.message());
            }
        }
    }

    private Report lost(ProviderJob job) {
        return Report.lost("404", "RunPod no longer knows job " + job.externalId()
                + " (HTTP 404): it keeps results " + config.resultRetention().toMinutes() + " min after completion "
                + "and removes a job whose ttl (its deadline) passed while it ran, and this one was not seen ending "
                + "before that.", "result_expired");
    }

    @Override
    public Uni<CancelAttempt> cancel(ProviderJob job) {
        String endpoint = job.model() == null ? config.endpointId().orElse("") : job.model();
        return Cancels.send(NAME, "RunPod", job.externalId(), () -> http.send("POST",
                base.resolve("v2/" + endpoint + "/cancel/" + job.externalId()),
                ProviderHttp.jsonHeaders(authorization()), null, config.requestTimeout()));
    }

    @Override
    public Duration longestCheck() {
        return config.requestTimeout();
    }

    /** RunPod's webhook is unsigned: a terminal one is applied as the confirming {@code /status} call says. */
    @Override
    public boolean confirmsTerminalWebhooks() {
        return true;
    }

    @Override
    public Uni<Arrival.Webhook> authenticate(WebhookRequest request) {
        return Uni.createFrom().item(() -> TokenWebhooks.byUrlToken(NAME, request));
    }

    @Override
    public InboundWebhook read(WebhookRequest request) {
        RunPodJob job = WebhookBodies.read(webhookReader, request.body(), "a RunPod job status object");
        Report report = WebhookBodies.report(job.toReport(), job.status(),
                "RunPod's IN_QUEUE, IN_PROGRESS, RUNNING, COMPLETED, FAILED, CANCELLED, TIMED_OUT");
        return new InboundWebhook(job.id(), report);
    }

    private String authorization() {
        return "Bearer " + config.apiKey().orElse("");
    }

    /** The job status of a 2xx answer; any other answer fails with its status. */
    private RunPodJob parse(ProviderHttp.Answer answer) {
        return ProviderJson.object(mapper, answer, RunPodJob.class, "error",
                "RunPod's answer is not a job status object.");
    }

}
