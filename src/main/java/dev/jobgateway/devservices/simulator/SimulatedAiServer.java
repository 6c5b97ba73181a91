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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.jobgateway.webhook.StandardWebhook;

/**
 * An AI server speaking the generic protocol, for dev mode, tests and benchmarks: it accepts jobs, "generates"
 * them on a timer as {@code input.simulate} says, answers status and cancel calls, and sends Standard Webhooks
 * signed webhooks, retrying failed deliveries like real senders do. Plain JDK HTTP, no framework, so tests and
 * benchmarks can run it outside the gateway too.
 */
public final class SimulatedAiServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SimulatedAiServer.class);
    private static final int DELIVERY_ATTEMPTS = 5;
    private static final int SHUFFLE_WINDOW_MS = 300;

    private final int requestedPort;
    private final String signingSecret;
    private final ObjectMapper mapper = new ObjectMapper();
    private final Map<String, SimJob> jobs = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> attemptsByWebhookUrl = new ConcurrentHashMap<>();
    private final List<String> submittedWebhookUrls = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicInteger submitAttempts = new AtomicInteger();
    private final AtomicInteger generations = new AtomicInteger();
    private final Map<String, SimJob> jobsByIdempotencyKey = new ConcurrentHashMap<>();
    private final AtomicInteger statusCalls = new AtomicInteger();
    private final AtomicInteger cancelCalls = new AtomicInteger();
    private final AtomicInteger webhooksDelivered = new AtomicInteger();
    private final AtomicInteger deliveryRetries = new AtomicInteger();
    private final AtomicInteger deliveriesGivenUp = new AtomicInteger();
    private volatile int deliveryAttempts = DELIVERY_ATTEMPTS;
    private HttpServer server;
    private ExecutorService requests;
    private ScheduledExecutorService timers;
    private HttpClient client;

    private static final String NO_DELAY = "sun.net.httpserver.nodelay";

    public SimulatedAiServer(int port, String signingSecret) {
        this.requestedPort = port;
        this.signingSecret = signingSecret;
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
        LOG.infof("Simulated AI server listening on %s", baseUri());
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

    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port());
    }

    public int port() {
        return server == null ? requestedPort : server.getAddress().getPort();
    }

    /** Every {@code POST /jobs} received, rejected ones included. */
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

    /** Webhooks the gateway answered with 2xx. */
    public int webhooksDelivered() {
        return webhooksDelivered.get();
    }

    /**
     * How many times a webhook is sent before the sender gives up (5 by default; the pauses between them double from
     * 250 ms). Real senders retry for hours: fault tests that outlast 5 attempts raise this.
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

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String[] path = exchange.getRequestURI().getPath().replaceAll("^/+|/+$", "").split("/");
            if (method.equals("POST") && path.length == 1 && path[0].equals("jobs")) {
                submit(exchange);
            } else if (method.equals("GET") && path.length == 2 && path[0].equals("jobs")) {
                statusCalls.incrementAndGet();
                SimJob job = jobs.get(path[1]);
                if (job != null && job.statusCalls.incrementAndGet() <= job.plan.statusErrors()) {
                    respond(exchange, 503, error("simulated status outage"));
                    return;
                }
                if (job == null) {
                    respond(exchange, 404, error("no such job"));
                    return;
                }
                if (job.plan.statusDelayMs() > 0) {
                    sleep(job.plan.statusDelayMs());
                }
                ObjectNode answer = job.describe();
                if (job.plan.statusProgress() != null) {
                    answer.put("progress", job.plan.statusProgress());
                }
                respond(exchange, 200, answer);
            } else if (method.equals("POST") && path.length == 3 && path[0].equals("jobs")
                    && path[2].equals("cancel")) {
                cancelCalls.incrementAndGet();
                SimJob job = jobs.get(path[1]);
                if (job != null) {
                    job.cancel();
                }
                respond(exchange, job == null ? 404 : 200, job == null ? error("no such job") : job.describe());
            } else {
                respond(exchange, 404, error("no such endpoint"));
            }
        } catch (RuntimeException e) {
            LOG.warn("Simulated AI server failed a request", e);
            respond(exchange, 500, error("simulator failure"));
        }
    }

    private void submit(HttpExchange exchange) throws IOException {
        submitAttempts.incrementAndGet();
        JsonNode body;
        try (InputStream in = exchange.getRequestBody()) {
            body = mapper.readTree(in);
        } catch (IOException e) {
            respond(exchange, 400, error("body is not JSON"));
            return;
        }
        JsonNode input = body == null ? null : body.get("input");
        String webhookUrl = body == null ? null : body.path("webhook_url").asText(null);
        if (input == null || !input.isObject() || webhookUrl == null) {
            respond(exchange, 400, error("input object and webhook_url are required"));
            return;
        }
        SimulationPlan plan;
        try {
            plan = SimulationPlan.from(input);
        } catch (RuntimeException e) {
            respond(exchange, 400, error("input.simulate is not understood: " + e.getMessage()));
            return;
        }
        int attempt = attemptsByWebhookUrl.computeIfAbsent(webhookUrl, url -> {
            submittedWebhookUrls.add(url);
            return new AtomicInteger();
        }).incrementAndGet();
        if (attempt <= plan.rejectSubmits()) {
            respond(exchange, 503, error("simulated overload"));
            return;
        }
        String idempotencyKey = exchange.getRequestHeaders().getFirst("Idempotency-Key");
        SimJob known = idempotencyKey == null ? null : jobsByIdempotencyKey.get(idempotencyKey);
        if (known != null) {
            // A retry of a submit this server took already: the same job, no second generation.
            respond(exchange, 200, mapper.createObjectNode().put("id", known.id).put("status", "queued"));
            return;
        }
        // Like a real AI server, the job is taken before a slow answer: a caller that times out has still started it.
        SimJob job = new SimJob("sim_" + UUID.randomUUID(), input,
                plan.fixedWebhookUrl() ? withoutJobId(URI.create(webhookUrl)) : URI.create(webhookUrl), plan);
        jobs.put(job.id, job);
        generations.incrementAndGet();
        if (idempotencyKey != null) {
            jobsByIdempotencyKey.put(idempotencyKey, job);
        }
        if (plan.submitDelayMs() > 0 && attempt <= plan.rejectSubmits() + plan.slowSubmits()
                && !sleep(plan.submitDelayMs())) {
            return;
        }
        if (plan.webhook() == SimulationPlan.WebhookMode.BEFORE_RESPONSE) {
            job.finishBeforeResponding();
        }
        try {
            respond(exchange, 201, mapper.createObjectNode().put("id", job.id).put("status", "queued"));
        } finally {
            // Like a real AI server, it runs an accepted job even when the gateway that sent it is gone before the
            // answer arrives (a crash mid-submit): webhooks for it still come.
            if (plan.webhook() != SimulationPlan.WebhookMode.BEFORE_RESPONSE) {
                job.schedule();
            }
        }
    }

    /** Like a slow AI server; false if interrupted (the server is stopping). */
    private static boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Generations started (submits that created a job, not retries recognised by their Idempotency-Key). */
    public int generations() {
        return generations.get();
    }

    /** {@code .../webhooks/generic/{job id}?token=...} without the job id and token: one URL for every job. */
    private static URI withoutJobId(URI perJobUrl) {
        String path = perJobUrl.getPath();
        return perJobUrl.resolve(path.substring(0, path.lastIndexOf('/')));
    }

    /** The webhook URLs of every submit received so far (each names its gateway job), oldest first. */
    public List<String> submittedWebhookUrls() {
        return List.copyOf(submittedWebhookUrls);
    }

    private void respond(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = mapper.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private ObjectNode error(String message) {
        return mapper.createObjectNode().put("error", message);
    }

    /** One simulated generation: its state over time and the webhooks that report it. */
    private final class SimJob {
        final String id;
        final JsonNode input;
        final URI webhookUrl;
        final SimulationPlan plan;
        final List<ScheduledFuture<?>> timers = new ArrayList<>();
        final List<ObjectNode> heldBack = new ArrayList<>();
        final AtomicInteger statusCalls = new AtomicInteger();
        String status = "queued";
        Double progress;
        JsonNode output;
        String errorMessage;

        SimJob(String id, JsonNode input, URI webhookUrl, SimulationPlan plan) {
            this.id = id;
            this.input = input;
            this.webhookUrl = webhookUrl;
            this.plan = plan;
        }

        synchronized void schedule() {
            int steps = plan.progressSteps();
            for (int i = 1; i <= steps; i++) {
                double fraction = (double) i / (steps + 1);
                long at = Math.round(plan.durationMs() * fraction);
                double reported = Math.round(fraction * 100) / 100.0;
                timers.add(SimulatedAiServer.this.timers.schedule(() -> advance("running", reported), at,
                        TimeUnit.MILLISECONDS));
            }
            timers.add(SimulatedAiServer.this.timers.schedule(this::finish, plan.durationMs(),
                    TimeUnit.MILLISECONDS));
        }

        synchronized void advance(String newStatus, double newProgress) {
            if (isTerminal()) {
                return;
            }
            status = newStatus;
            progress = newProgress;
            report(false);
        }

        synchronized void finish() {
            if (isTerminal()) {
                return;
            }
            if (plan.succeeds()) {
                status = "succeeded";
                progress = 1.0;
                output = mapper.createObjectNode().set("images", mapper.createArrayNode().add(mapper.createObjectNode()
                        .put("url", baseUri() + "/images/" + id + ".png").put("width", 1024).put("height", 1024)));
            } else {
                status = "failed";
                errorMessage = plan.errorMessage();
            }
            report(true);
        }

        /** Finishes now and waits for the gateway to take the final webhook, before the submit is answered. */
        synchronized void finishBeforeResponding() {
            finish();
        }

        synchronized void cancel() {
            if (isTerminal()) {
                return;
            }
            timers.forEach(timer -> timer.cancel(false));
            status = "cancelled";
            report(true);
        }

        boolean isTerminal() {
            return status.equals("succeeded") || status.equals("failed") || status.equals("cancelled");
        }

        synchronized ObjectNode describe() {
            ObjectNode node = mapper.createObjectNode().put("id", id).put("status", status);
            node.set("output", output);
            node.put("error_message", errorMessage);
            if (progress == null) {
                node.putNull("progress");
            } else {
                node.put("progress", progress);
            }
            return node;
        }

        /** Sends the current state as the plan's webhook mode says. */
        private void report(boolean last) {
            ObjectNode payload = describe();
            payload.remove("id");
            payload.put("job_id", id);
            switch (plan.webhook()) {
                case DROP -> {
                }
                case DELIVER -> send(payload, 0);
                case BEFORE_RESPONSE -> deliverNow(payload);
                case DELAY -> send(payload, plan.webhookDelayMs());
                case DUPLICATE -> {
                    String messageId = newMessageId();
                    send(payload, messageId, 0);
                    send(payload, messageId, 20);
                    send(payload, messageId, 60);
                }
                case SHUFFLED_DUPLICATES -> {
                    // each report three times, at random moments, so copies and reports overtake one another
                    String messageId = newMessageId();
                    for (int copy = 0; copy < 3; copy++) {
                        send(payload, messageId, java.util.concurrent.ThreadLocalRandom.current()
                                .nextLong(SHUFFLE_WINDOW_MS));
                    }
                }
                case OUT_OF_ORDER -> {
                    heldBack.add(payload);
                    if (last) {
                        for (int i = heldBack.size() - 1; i >= 0; i--) {
                            send(heldBack.get(i), (heldBack.size() - 1 - i) * 20L);
                        }
                    }
                }
            }
        }

        private void deliverNow(ObjectNode payload) {
            try {
                deliver(webhookUrl, newMessageId(), mapper.writeValueAsBytes(payload), 1).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.infof("Simulated webhook before response failed: %s", e.toString());
            }
        }

        private void send(ObjectNode payload, long delayMs) {
            send(payload, newMessageId(), delayMs);
        }

        private void send(ObjectNode payload, String messageId, long delayMs) {
            byte[] body;
            try {
                body = mapper.writeValueAsBytes(payload);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            SimulatedAiServer.this.timers.schedule(() -> deliver(webhookUrl, messageId, body, 1), delayMs,
                    TimeUnit.MILLISECONDS);
        }
    }

    /** Delivers one webhook, retrying connection errors, 5xx and 429 with backoff, as real senders do. */
    private java.util.concurrent.CompletableFuture<?> deliver(URI url, String messageId, byte[] body, int attempt) {
        long timestamp = Instant.now().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header(StandardWebhook.ID_HEADER, messageId)
                .header(StandardWebhook.TIMESTAMP_HEADER, Long.toString(timestamp))
                .header(StandardWebhook.SIGNATURE_HEADER, StandardWebhook.sign(signingSecret, messageId, timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .whenComplete((response, failure) -> {
                    boolean retry = failure != null || response.statusCode() >= 500 || response.statusCode() == 429;
                    if (!retry && response.statusCode() < 300) {
                        webhooksDelivered.incrementAndGet();
                        return;
                    }
                    if (retry && attempt < deliveryAttempts && !timers.isShutdown()) {
                        deliveryRetries.incrementAndGet();
                        long backoff = 250L << Math.min(attempt - 1, 5);
                        timers.schedule(() -> deliver(url, messageId, body, attempt + 1), backoff,
                                TimeUnit.MILLISECONDS);
                        return;
                    }
                    deliveriesGivenUp.incrementAndGet();
                    LOG.infof("Simulated webhook %s to %s gave up: %s", messageId, url.getPath(),
                            failure != null ? failure.toString() : "HTTP " + response.statusCode());
                });
    }

    private static String newMessageId() {
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
