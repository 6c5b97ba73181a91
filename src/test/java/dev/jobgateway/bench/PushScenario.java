package dev.jobgateway.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jobgateway.support.GatewayProcess;

/**
 * 1,000 browsers watching one job each on instance A, the webhooks that end the jobs sent to instance B: first over
 * push (one WebSocket per browser to A's realtime endpoint, AppSync Events' protocol, each subscribed with its job's
 * read token), then, in the same run, over held reads ({@code GET /jobs/{id}?wait=25}), 1,000 again. For each: the
 * time from the webhook's send to the browser having the final state (p50/p99), A's heap after a GC and A's Redis
 * connections while the 1,000 wait. A warm-up round of each, 250 browsers, comes first, so neither measured round
 * pays for cold code. {@code BENCH_ONLY=push} runs it alone.
 */
final class PushScenario {

    static final int CLIENTS = 1_000;
    /** Browsers and held reads of the warm-up rounds, whose figures are kept apart ({@code *_warm_up_*}). */
    static final int WARM_UP_CLIENTS = 250;
    /** Connections opened per second: 1,000 browsers do not connect in the same millisecond. */
    private static final int OPENED_PER_SECOND = 250;
    private static final int WEBHOOKS_IN_FLIGHT = 16;

    private final GatewayClient client;
    private final GatewayProcess a;
    private final GatewayProcess b;
    private final RedisTools redis;
    private final Results results;
    private final HttpClient sockets = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(2))
            .connectTimeout(Duration.ofSeconds(10)).build();

    PushScenario(GatewayClient client, GatewayProcess a, GatewayProcess b, RedisTools redis, Results results) {
        this.client = client;
        this.a = a;
        this.b = b;
        this.redis = redis;
        this.results = results;
    }

    void run() throws Exception {
        // A warm-up round of each first, on the same instances: the measured push round ran first on cold code
        // before (push p99 1,055 ms against long-poll's 316 ms in one run), so it paid for the JIT and the first
        // WebSocket connections while the long-poll round after it did not.
        push(WARM_UP_CLIENTS, "push_warm_up");
        longPoll(WARM_UP_CLIENTS, "longpoll_warm_up");
        push(CLIENTS, "push");
        longPoll(CLIENTS, "longpoll");
    }

    private void push(int clients, String prefix) throws Exception {
        Map<String, String> tokens = submit(clients);
        List<String> ids = new ArrayList<>(tokens.keySet());
        Map<String, String> external = client.externalIds(a, ids);
        long heapBefore = a.heapUsedAfterGcKiB();
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        List<Double> latency = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch subscribed = new CountDownLatch(ids.size());
        CountDownLatch ended = new CountDownLatch(ids.size());
        AtomicInteger refused = new AtomicInteger();
        List<Subscriber> subscribers = new ArrayList<>();
        long openedAt = System.nanoTime();
        URI endpoint = URI.create(a.baseUrl().replaceFirst("^http", "ws") + "/event/realtime");
        for (int i = 0; i < ids.size(); i++) {
            pace(openedAt, i);
            String id = ids.get(i);
            Subscriber subscriber = new Subscriber(id, tokens.get(id), subscribed, refused, () -> {
                Long sent = sentAt.get(id);
                if (sent != null) {
                    latency.add((System.nanoTime() - sent) / 1e6);
                }
                ended.countDown();
            });
            subscribers.add(subscriber);
            subscriber.open(endpoint);
        }
        boolean allSubscribed = subscribed.await(60, TimeUnit.SECONDS);
        double openMs = (System.nanoTime() - openedAt) / 1e6;
        long heapDuring = a.heapUsedAfterGcKiB();
        String connections = redis.connectionsFrom(a.pid());

        double webhooksMs = sendWebhooks(ids, external, sentAt);
        boolean allEnded = ended.await(60, TimeUnit.SECONDS);
        subscribers.forEach(Subscriber::close);

        results.put(prefix + "_clients_subscribed", (clients - subscribed.getCount()) + " / " + clients + " (refused "
                + refused.get() + ", all open within " + Stats.fmt(openMs) + " ms"
                + (allSubscribed ? "" : ", timed out")
                + ")");
        results.put(prefix + "_final_state_received", (clients - ended.getCount()) + " / " + clients
                + (allEnded ? "" : " (timed out)"));
        results.putDistribution(prefix + "_completion_to_client_ms",
                latency.stream().mapToDouble(Double::doubleValue).sorted().toArray());
        results.put(prefix + "_heap_used_after_gc_mib_before_during",
                Stats.fmt(heapBefore / 1024.0) + " -> " + Stats.fmt(heapDuring / 1024.0));
        results.put(prefix + "_redis_connections_instance_a", connections);
        results.put(prefix + "_webhooks_sent_within_ms", Stats.fmt(webhooksMs));
    }

    private void longPoll(int clients, String prefix) throws Exception {
        List<String> ids = new ArrayList<>(submit(clients).keySet());
        Map<String, String> external = client.externalIds(a, ids);
        long heapBefore = a.heapUsedAfterGcKiB();
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        List<Double> latency = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger released = new AtomicInteger();
        List<CompletableFuture<?>> waits = new ArrayList<>();
        long openedAt = System.nanoTime();
        for (int i = 0; i < ids.size(); i++) {
            pace(openedAt, i);
            String id = ids.get(i);
            waits.add(client.send(a, "GET", "/jobs/" + id + "?wait=25", null).thenAccept(response -> {
                Long sent = sentAt.get(id);
                if (sent != null && GatewayClient.status(response.body()).equals("succeeded")) {
                    latency.add((System.nanoTime() - sent) / 1e6);
                    released.incrementAndGet();
                }
            }));
        }
        // Every read held on A (its readiness check counts them) before the webhooks go.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline && waiters() < ids.size()) {
            TimeUnit.MILLISECONDS.sleep(100);
        }
        long heapDuring = a.heapUsedAfterGcKiB();
        String connections = redis.connectionsFrom(a.pid());

        double webhooksMs = sendWebhooks(ids, external, sentAt);
        CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        results.put(prefix + "_final_state_received", released.get() + " / " + clients);
        results.putDistribution(prefix + "_completion_to_client_ms",
                latency.stream().mapToDouble(Double::doubleValue).sorted().toArray());
        results.put(prefix + "_heap_used_after_gc_mib_before_during",
                Stats.fmt(heapBefore / 1024.0) + " -> " + Stats.fmt(heapDuring / 1024.0));
        results.put(prefix + "_redis_connections_instance_a", connections);
        results.put(prefix + "_webhooks_sent_within_ms", Stats.fmt(webhooksMs));
    }

    /** Submits jobs only the benchmark's webhooks end; answers each job's read token by id, in submission order. */
    private Map<String, String> submit(int count) throws Exception {
        Semaphore inFlight = new Semaphore(32);
        byte[] body = ("{\"input\":{\"prompt\":\"bench\",\"simulate\":{" + GatewayClient.FINISHED_BY_BENCHMARK + "}}}")
                .getBytes(StandardCharsets.UTF_8);
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            answers.add(client.send(a, "POST", "/jobs", body).whenComplete((r, e) -> inFlight.release()));
        }
        Map<String, String> tokens = new java.util.LinkedHashMap<>();
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            HttpResponse<String> response = answer.get(60, TimeUnit.SECONDS);
            if (response.statusCode() != 202) {
                throw new IllegalStateException("submit answered " + response.statusCode() + ": " + response.body());
            }
            JsonNode job = GatewayClient.JSON.readTree(response.body());
            tokens.put(job.path("id").asText(), job.path("read_token").asText());
        }
        return tokens;
    }

    /** The webhooks that end the jobs, to B, a few in flight; answers how long sending them all took. */
    private double sendWebhooks(List<String> ids, Map<String, String> external, Map<String, Long> sentAt)
            throws Exception {
        Semaphore inFlight = new Semaphore(WEBHOOKS_IN_FLIGHT);
        long first = System.nanoTime();
        for (String id : ids) {
            inFlight.acquire();
            sentAt.put(id, System.nanoTime());
            client.webhook(b, id, external.get(id), "succeeded", null).whenComplete((r, e) -> inFlight.release());
        }
        return (System.nanoTime() - first) / 1e6;
    }

    private static void pace(long startedAt, int i) throws InterruptedException {
        long early = startedAt + TimeUnit.SECONDS.toNanos(1) * i / OPENED_PER_SECOND - System.nanoTime();
        if (early > 0) {
            TimeUnit.NANOSECONDS.sleep(early);
        }
    }

    /** Held reads on A now, from its readiness check. */
    private int waiters() throws Exception {
        try {
            HttpResponse<String> ready = client.anonymous(a, "/q/health/ready").get(10, TimeUnit.SECONDS);
            for (JsonNode check : GatewayClient.JSON.readTree(ready.body()).path("checks")) {
                if (check.path("name").asText().equals("waits")) {
                    return check.path("data").path("waiters").asInt();
                }
            }
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException busy) {
            return 0; // asked again
        }
        return 0;
    }

    /** The job's channel (docs/push.md): job + the id after job_, '-' written -0 and '_' written -1. */
    static String channel(String id) {
        StringBuilder segment = new StringBuilder("/jobs/job");
        for (char c : id.substring("job_".length()).toCharArray()) {
            segment.append(c == '-' ? "-0" : c == '_' ? "-1" : String.valueOf(c));
        }
        return segment.toString();
    }

    /** One browser: a WebSocket, connection_init, one subscription, the job's final event. */
    private final class Subscriber implements WebSocket.Listener {

        private final String id;
        private final String token;
        private final CountDownLatch subscribed;
        private final AtomicInteger refused;
        private final Runnable onFinal;
        private final StringBuilder text = new StringBuilder();
        private volatile WebSocket socket;
        private boolean done;

        Subscriber(String id, String token, CountDownLatch subscribed, AtomicInteger refused, Runnable onFinal) {
            this.id = id;
            this.token = token;
            this.subscribed = subscribed;
            this.refused = refused;
            this.onFinal = onFinal;
        }

        void open(URI endpoint) {
            String header = "{\"host\":\"" + endpoint.getAuthority() + "\",\"Authorization\":\"" + token + "\"}";
            String encoded = Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(header.getBytes(StandardCharsets.UTF_8));
            sockets.newWebSocketBuilder().subprotocols("aws-appsync-event-ws", "header-" + encoded)
                    .buildAsync(endpoint, this).whenComplete((ws, failure) -> {
                        if (failure != null) {
                            refused.incrementAndGet();
                        }
                    });
        }

        void close() {
            WebSocket ws = socket;
            if (ws != null) {
                ws.abort();
            }
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            socket = webSocket;
            webSocket.sendText("{\"type\":\"connection_init\"}", true);
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String message = text.toString();
                text.setLength(0);
                handle(webSocket, message);
            }
            webSocket.request(1);
            return null;
        }

        private void handle(WebSocket webSocket, String message) {
            JsonNode json;
            try {
                json = GatewayClient.JSON.readTree(message);
            } catch (java.io.IOException e) {
                return;
            }
            switch (json.path("type").asText()) {
                case "connection_ack" -> webSocket.sendText("{\"type\":\"subscribe\",\"id\":\"1\",\"channel\":\""
                        + channel(id) + "\",\"authorization\":{\"Authorization\":\"" + token + "\"}}", true);
                case "subscribe_success" -> subscribed.countDown();
                case "subscribe_error", "connection_error" -> refused.incrementAndGet();
                case "data" -> {
                    String status = GatewayClient.status(json.path("event").asText());
                    if (!done && status.equals("succeeded")) {
                        done = true;
                        onFinal.run();
                    }
                }
                default -> {
                    // ka, unsubscribe_success
                }
            }
        }
    }
}
