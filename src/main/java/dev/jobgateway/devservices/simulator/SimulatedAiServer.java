package dev.jobgateway.devservices.simulator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A simulated AI server for dev mode, tests and benchmarks, speaking six dialects on one port: the generic protocol
 * at {@code /}, Replicate's predictions API under {@code /replicate}, fal's queue API under {@code /fal}, RunPod's
 * serverless API under {@code /runpod}, a Cog server under {@code /cog} and ComfyUI's API (no webhooks: polled) under
 * {@code /comfyui}, each with
 * the quirks of the real one (docs/providers.md). Jobs are "generated" on a timer as {@code input.simulate} says
 * ({@link SimulationPlan}, the same knobs for every dialect); webhooks are signed as each provider signs them and
 * redelivered on failure as each provider does. Plain JDK HTTP, no framework, so tests and benchmarks can run it
 * outside the gateway too.
 */
public final class SimulatedAiServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SimulatedAiServer.class);
    private static final int DELIVERY_ATTEMPTS = 5;
    /** {@code shuffled_duplicates}: every copy is sent at a random moment within this many ms. */
    static final int SHUFFLE_WINDOW_MS = 300;
    private static final String NO_DELAY = "sun.net.httpserver.nodelay";

    /** The credentials each dialect checks and signs with. */
    public record Settings(String genericSecret, String replicateSecret, String replicateToken, String falKey,
            String falUserId, String runpodKey, String cogWebhookToken) {

        /** No RunPod key of its own ({@code sim-runpod-key}) and a Cog server without {@code WEBHOOK_AUTH_TOKEN}. */
        public Settings(String genericSecret, String replicateSecret, String replicateToken, String falKey,
                String falUserId) {
            this(genericSecret, replicateSecret, replicateToken, falKey, falUserId, "sim-runpod-key", null);
        }

        /** Defaults for every dialect but the generic secret, e.g. for tests that run only the generic protocol. */
        public static Settings generic(String genericSecret) {
            return new Settings(genericSecret, "whsec_" + java.util.Base64.getEncoder().encodeToString(
                    "simulated replicate signing secret".getBytes(StandardCharsets.UTF_8)),
                    "sim-replicate-token", "sim-fal-key", "sim-fal-user");
        }
    }

    private final int requestedPort;
    private final Settings settings;
    private final ObjectMapper mapper = new ObjectMapper();
    private final Map<String, SimJob> jobs = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> attemptsByWebhookUrl = new ConcurrentHashMap<>();
    private final List<String> submittedWebhookUrls = new CopyOnWriteArrayList<>();
    private final AtomicInteger submitAttempts = new AtomicInteger();
    private final AtomicInteger generations = new AtomicInteger();
    private final AtomicInteger statusCalls = new AtomicInteger();
    private final AtomicInteger cancelCalls = new AtomicInteger();
    private final AtomicInteger webhooksDelivered = new AtomicInteger();
    private final AtomicInteger deliveryRetries = new AtomicInteger();
    private final AtomicInteger deliveriesGivenUp = new AtomicInteger();
    private final List<String> attemptLog = new CopyOnWriteArrayList<>();
    private volatile int deliveryAttempts = DELIVERY_ATTEMPTS;
    private final GenericDialect generic;
    private final ReplicateDialect replicate;
    private final FalDialect fal;
    private final SimFiles files = new SimFiles(this);
    private final ComfyUiDialect comfyui;
    private final RunPodDialect runpod;
    private final CogDialect cog;
    private HttpServer server;
    private ExecutorService requests;
    private ScheduledExecutorService timers;
    private HttpClient client;

    public SimulatedAiServer(int port, String genericSigningSecret) {
        this(port, Settings.generic(genericSigningSecret));
    }

    public SimulatedAiServer(int port, Settings settings) {
        this.requestedPort = port;
        this.settings = settings;
        this.generic = new GenericDialect(this, settings.genericSecret());
        this.replicate = new ReplicateDialect(this, settings.replicateSecret(), settings.replicateToken());
        this.fal = new FalDialect(this, settings.falKey(), settings.falUserId());
        this.comfyui = new ComfyUiDialect(this);
        this.runpod = new RunPodDialect(this, settings.runpodKey());
        this.cog = new CogDialect(this, settings.cogWebhookToken());
    }

    public synchronized void start() {
        if (server != null) {
            return;
        }
        // The JDK server writes a response's headers and body separately; with Nagle's algorithm on, the body
        // waits for the client's delayed ACK and every answer takes 40 ms more. Read once, so set before first use.
        if (System.getProperty(NO_DELAY) == null) {
            System.setProperty(NO_DELAY, "true");
        }
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", requestedPort), 256);
        } catch (IOException e) {
            throw new UncheckedIOException("The simulated AI server cannot listen on port " + requestedPort, e);
        }
        requests = Executors.newCachedThreadPool(daemon("sim-ai-http"));
        timers = Executors.newScheduledThreadPool(2, daemon("sim-ai-timer"));
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        server.setExecutor(requests);
        server.createContext("/", this::handle);
        server.start();
        LOG.infof("Simulated AI server listening on %s (generic at /, Replicate at /replicate, fal at /fal, RunPod at "
                + "/runpod, Cog at /cog, ComfyUI at /comfyui)",
                baseUri());
    }

    public synchronized void stop() {
        if (server == null) {
            return;
        }
        server.stop(0);
        timers.shutdownNow();
        requests.shutdownNow();
        server = null;
    }

    @Override
    public void close() {
        stop();
    }

    /** The generic protocol's base URL. */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /** Base URL of the Replicate dialect ({@code gateway.providers.replicate.url}). */
    public URI replicateUri() {
        return URI.create(baseUri() + "/replicate");
    }

    /** Base URL of the fal dialect's queue ({@code gateway.providers.fal.url}). */
    public URI falUri() {
        return URI.create(baseUri() + "/fal");
    }

    /** Base URL of the ComfyUI dialect ({@code gateway.providers.comfyui.url}). */
    public URI comfyuiUri() {
        return URI.create(baseUri() + "/comfyui");
    }

    /** ComfyUI restarts: its history and queue are gone, as a real ComfyUI's in-memory ones are. */
    public void restartComfyui() {
        comfyui.restart();
    }

    /** {@code GET /queue} calls to the ComfyUI dialect (one queue for all prompts, so not counted per job). */
    public int comfyuiQueueCalls() {
        return comfyui.queueCalls();
    }

    /**
     * {@code GET /history/{id}} calls to the ComfyUI dialect, all prompts together ({@link #statusCalls(String)}: one).
     */
    public int comfyuiHistoryCalls() {
        return comfyui.historyCalls();
    }

    /** Runs the ComfyUI dialect queued under this prompt id: ComfyUI runs the same id again on every submit. */
    public int comfyuiRuns(String promptId) {
        return comfyui.runs(promptId);
    }

    /** When the job with this AI-server id ended at the simulator, or null while it runs (or if unknown). */
    public Instant completedAt(String externalId) {
        SimJob job = jobs.get(externalId);
        return job == null ? null : job.completedAt;
    }

    /** Base URL of the RunPod dialect ({@code gateway.providers.runpod.url}). */
    public URI runpodUri() {
        return URI.create(baseUri() + "/runpod");
    }

    /** Base URL of the Cog dialect, a Cog server ({@code gateway.providers.cog.url}). */
    public URI cogUri() {
        return URI.create(baseUri() + "/cog");
    }

    /** The RunPod dialect's quirks (webhook spacing, result retention, the status rate limit) and counters. */
    public RunPodDialect runpod() {
        return runpod;
    }

    /** The Cog dialect's quirks (setup after a restart, slots, webhook backoff) and its runs per prediction id. */
    public CogDialect cog() {
        return cog;
    }

    /** Where the fal dialect publishes its webhook keys ({@code gateway.providers.fal.jwks-url}). */
    public URI falJwksUri() {
        return URI.create(falUri() + "/.well-known/jwks.json");
    }

    public int port() {
        return server == null ? requestedPort : server.getAddress().getPort();
    }

    public Settings settings() {
        return settings;
    }

    /** The fal dialect's signing keys and JWKS, for tests that sign or break them. */
    public FalSigning falSigning() {
        return fal.signing();
    }

    /** Every submit received, rejected ones included, whatever the dialect. */
    public int submitAttempts() {
        return submitAttempts.get();
    }

    public int statusCalls() {
        return statusCalls.get();
    }

    public int cancelCalls() {
        return cancelCalls.get();
    }

    /** Status calls the gateway made for one job, by the AI server's id (0 if unknown). */
    public int statusCalls(String externalId) {
        SimJob job = jobs.get(externalId);
        return job == null ? 0 : job.statusCalls.get();
    }

    /** A header of the submit that created the job with this AI-server id (lower-case name), or null. */
    public String submitHeader(String externalId, String name) {
        SimJob job = jobs.get(externalId);
        return job == null ? null : job.submitHeaders.get(name.toLowerCase(java.util.Locale.ROOT));
    }

    /** A dialect's fact about a job (e.g. RunPod's {@code execution_timeout_ms}), as text, or null. */
    public String jobFact(String externalId, String name) {
        SimJob job = jobs.get(externalId);
        return job == null || !job.facts.has(name) ? null : job.facts.get(name).asText();
    }

    /** The job's state in the simulator's neutral words (queued, running, succeeded, ...), or null if unknown. */
    public String jobStatus(String externalId) {
        SimJob job = jobs.get(externalId);
        return job == null ? null : job.status;
    }

    /** Webhooks the gateway answered with 2xx. */
    public int webhooksDelivered() {
        return webhooksDelivered.get();
    }

    /**
     * How many times a webhook the sender retries is sent before it gives up (5 by default; the pauses between them
     * double from 250 ms). Real senders retry for hours: fault tests that outlast 5 attempts raise this.
     */
    public SimulatedAiServer deliveryAttempts(int attempts) {
        this.deliveryAttempts = Math.max(1, attempts);
        return this;
    }

    /** Deliveries sent again after a connection error, 5xx or 429. */
    public int deliveryRetries() {
        return deliveryRetries.get();
    }

    /** Webhooks the sender gave up on (never acknowledged with 2xx). */
    public int deliveriesGivenUp() {
        return deliveriesGivenUp.get();
    }

    /** Delivery attempts of every webhook sent to a URL whose path contains {@code fragment} (e.g. a job id). */
    public int deliveryAttemptsTo(String fragment) {
        return (int) attemptLog.stream().filter(path -> path.contains(fragment)).count();
    }

    /** Generations started (submits that created a job, not retries recognised by their Idempotency-Key). */
    public int generations() {
        return generations.get();
    }

    /** Output files served (200s) so far. */
    public int filesServed() {
        return files.served();
    }

    /** From now on every output file answers 404, as the AI server's outputs do once they expire. */
    public void expireOutputs() {
        files.expireAll();
    }

    /** Output files are served again (undoes {@link #expireOutputs}). */
    public void restoreOutputs() {
        files.restore();
    }

    /** The webhook URLs of every submit received so far (each names its gateway job), oldest first. */
    public List<String> submittedWebhookUrls() {
        return List.copyOf(submittedWebhookUrls);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String raw = exchange.getRequestURI().getPath().replaceAll("^/+|/+$", "");
            List<String> path = raw.isEmpty() ? List.of() : Arrays.asList(raw.split("/"));
            if (SimFiles.isFile(method, path)) {
                files.serve(exchange, path);
            } else if (!path.isEmpty() && path.get(0).equals("replicate")) {
                replicate.handle(exchange, method, path.subList(1, path.size()));
            } else if (!path.isEmpty() && path.get(0).equals("fal")) {
                fal.handle(exchange, method, path.subList(1, path.size()));
            } else if (!path.isEmpty() && path.get(0).equals("comfyui")) {
                comfyui.handle(exchange, method, path.subList(1, path.size()));
            } else if (!path.isEmpty() && path.get(0).equals("runpod")) {
                runpod.handle(exchange, method, path.subList(1, path.size()));
            } else if (!path.isEmpty() && path.get(0).equals("cog")) {
                cog.handle(exchange, method, path.subList(1, path.size()));
            } else {
                generic.handle(exchange, method, path);
            }
        } catch (RuntimeException e) {
            LOG.warn("Simulated AI server failed a request", e);
            respond(exchange, 500, error("simulator failure"));
        }
    }

    // --- shared by the dialects ---------------------------------------------------------------------------------

    ObjectMapper mapper() {
        return mapper;
    }

    ScheduledExecutorService timers() {
        return timers;
    }

    /** The body as JSON, or null if it is not JSON. */
    JsonNode readJson(HttpExchange exchange) {
        try (InputStream in = exchange.getRequestBody()) {
            return mapper.readTree(in);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Counts a submit attempt for this webhook URL (the gateway's job) and says which attempt it is, so a plan can
     * refuse the first N.
     */
    int countSubmit(String webhookUrl) {
        submitAttempts.incrementAndGet();
        return attemptsByWebhookUrl.computeIfAbsent(webhookUrl, url -> {
            submittedWebhookUrls.add(url);
            return new AtomicInteger();
        }).incrementAndGet();
    }

    /** Counts a submit refused before it named its job (not JSON, no webhook URL, wrong credentials). */
    void countRejectedSubmit() {
        submitAttempts.incrementAndGet();
    }

    /** Takes a new job (a generation starts), remembering the submit's headers. */
    SimJob register(SimJob job, HttpExchange submit) {
        jobs.put(job.id, job);
        generations.incrementAndGet();
        submit.getRequestHeaders().forEach((name, values) -> job.submitHeaders.put(
                name.toLowerCase(java.util.Locale.ROOT), values.get(0)));
        return job;
    }

    SimJob job(String id) {
        return jobs.get(id);
    }

    /** A status call for a job; true when the plan says to answer it with an outage (503). */
    boolean countStatusCall(SimJob job) {
        statusCalls.incrementAndGet();
        if (job == null) {
            return false;
        }
        boolean outage = job.statusCalls.incrementAndGet() <= job.plan.statusErrors();
        if (!outage && job.plan.statusDelayMs() > 0) {
            sleep(job.plan.statusDelayMs());
        }
        return outage;
    }

    void countCancel() {
        cancelCalls.incrementAndGet();
    }

    /**
     * Answers a submit the plan says is slow that much later; the job was taken before, so a caller that times out
     * has still started it. False if interrupted (the server is stopping).
     */
    boolean delaySubmit(SimulationPlan plan, int attempt) {
        return plan.submitDelayMs() <= 0 || attempt > plan.rejectSubmits() + plan.slowSubmits()
                || sleep(plan.submitDelayMs());
    }

    static boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Answers a submit the AI server took, the same way in every dialect: after the plan's submit delay (none once the
     * slow attempts are over; nothing is answered if the delay is interrupted); a {@code before_response} job runs
     * and finishes first, so that its final webhook beats the answer; any other job starts once answered, and even if
     * the answer cannot be written: like a real AI server, it runs an accepted job when the gateway that sent it is
     * gone before the answer arrives (a crash mid-submit), and webhooks for it still come.
     */
    void answerSubmit(HttpExchange exchange, SimulationPlan plan, int attempt, SimJob job, int status,
            java.util.function.Supplier<JsonNode> answer) throws IOException {
        answerSubmit(exchange, plan, attempt, job, status, answer, () -> {
        });
    }

    /** As above; {@code started} runs once the job has started (not for a {@code before_response} job). */
    void answerSubmit(HttpExchange exchange, SimulationPlan plan, int attempt, SimJob job, int status,
            java.util.function.Supplier<JsonNode> answer, Runnable started) throws IOException {
        if (!delaySubmit(plan, attempt)) {
            return;
        }
        boolean first = plan.webhook() == SimulationPlan.WebhookMode.BEFORE_RESPONSE;
        if (first) {
            job.advance(null);
            job.finish();
        }
        try {
            respond(exchange, status, answer.get());
        } finally {
            if (!first) {
                job.schedule();
                started.run();
            }
        }
    }

    void respond(HttpExchange exchange, int status, JsonNode body) throws IOException {
        respond(exchange, status, mapper.writeValueAsBytes(body), "application/json", Map.of());
    }

    void respond(HttpExchange exchange, int status, byte[] bytes, String contentType, Map<String, String> headers)
            throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        headers.forEach(exchange.getResponseHeaders()::set);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    ObjectNode error(String message) {
        return mapper.createObjectNode().put("error", message);
    }

    byte[] bytes(JsonNode body) {
        try {
            return mapper.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends a webhook after {@code delayMs}. */
    void send(SimWebhook webhook, long delayMs) {
        timers.schedule(() -> deliver(webhook, 1), delayMs, TimeUnit.MILLISECONDS);
    }

    /** Sends a webhook now and waits until the gateway answered it (or gave up), before the submit is answered. */
    void deliverNow(SimWebhook webhook) {
        try {
            deliver(webhook, 1).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.infof("Simulated webhook before response failed: %s", e.toString());
        }
    }

    /**
     * Delivers one webhook, retrying connection errors, 5xx and 429 with backoff where the sender retries it, or as
     * the webhook's own {@link SimWebhook.Redelivery} says.
     */
    private CompletableFuture<?> deliver(SimWebhook webhook, int attempt) {
        SimWebhook.Redelivery redelivery = webhook.redelivery();
        if (redelivery != null) {
            if (redelivery.senderGone()) {
                return CompletableFuture.completedFuture(null);
            }
            if (redelivery.lost(attempt)) {
                attemptLog.add("lost:" + webhook.url().getPath());
                return CompletableFuture.completedFuture(null).whenComplete((nothing, none) -> retryOrGiveUp(
                        webhook, attempt, true, "lost on the way (test knob)"));
            }
        }
        long timestamp = Instant.now().getEpochSecond();
        HttpRequest.Builder request = HttpRequest.newBuilder(webhook.url())
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(webhook.body()));
        webhook.signer().headers(webhook.messageId(), timestamp, webhook.body()).forEach(request::header);
        attemptLog.add(webhook.url().getPath());
        return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .whenComplete((response, failure) -> {
                    if (failure == null && response.statusCode() >= 200 && response.statusCode() < 300) {
                        webhooksDelivered.incrementAndGet();
                        return;
                    }
                    boolean retry = failure != null || (redelivery != null ? redelivery.retries(response.statusCode())
                            : response.statusCode() >= 500 || response.statusCode() == 429);
                    retryOrGiveUp(webhook, attempt, retry, failure != null ? failure.toString()
                            : "HTTP " + response.statusCode());
                });
    }

    /** After a failed attempt: the next one after the sender's pause, if it retries this failure and has any left. */
    private void retryOrGiveUp(SimWebhook webhook, int attempt, boolean retry, String why) {
        SimWebhook.Redelivery redelivery = webhook.redelivery();
        int attempts = redelivery != null ? redelivery.attempts()
                : webhook.attempts() > 0 ? webhook.attempts() : deliveryAttempts;
        if (retry && webhook.retried() && attempt < attempts && !timers.isShutdown()) {
            deliveryRetries.incrementAndGet();
            long backoff = redelivery != null ? redelivery.pauseMs(attempt + 1)
                    : webhook.spacingMs() > 0 ? webhook.spacingMs() : 250L << Math.min(attempt - 1, 5);
            timers.schedule(() -> deliver(webhook, attempt + 1), backoff, TimeUnit.MILLISECONDS);
            return;
        }
        deliveriesGivenUp.incrementAndGet();
        LOG.infof("Simulated webhook %s to %s gave up: %s", webhook.messageId(), webhook.url().getPath(), why);
    }

    static String newMessageId() {
        return "msg_" + UUID.randomUUID().toString().replace("-", "");
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
