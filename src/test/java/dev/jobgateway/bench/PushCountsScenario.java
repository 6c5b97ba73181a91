package dev.jobgateway.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.support.GatewayProcess;

/**
 * The counts docs/deploy.md prices the three ways of watching a job with, measured on jobs that run their whole
 * course through the simulated AI server (its webhooks, no benchmark shortcut): per job, the status reads of a client
 * polling every 3 s, the held reads of a long-polling client ({@code ?wait=25}, answered at the end), those of a
 * long-polling client that shows every change ({@code ?wait=25} with {@code If-None-Match}), and the applied changes
 * (each one published once to the job's channel, so one push message per subscriber). The three clients watch every
 * job, from its submit to its end. Alone, with the plain-HTTP build made:
 *
 * <pre>
 * java -cp "target/test-classes:target/classes:$(cat target/cp.txt)" dev.jobgateway.bench.PushCountsScenario \
 *     target/http/quarkus-app/quarkus-run.jar target/bench 20000 5 10
 * </pre>
 *
 * Arguments: the gateway's jar, a work directory, the job length in ms, the progress steps the AI server reports,
 * and the jobs per provider.
 */
final class PushCountsScenario {

    private static final Set<String> TERMINAL = Set.of("succeeded", "failed", "canceled", "timed_out");
    /** Provider and the model its submits name (none for the generic protocol). */
    private static final Map<String, String> PROVIDERS = Map.of("generic", "", "replicate",
            ",\"model\":\"black-forest-labs/flux-schnell\"", "fal", ",\"model\":\"fal-ai/flux/schnell\"");

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]);
        Path work = Path.of(args[1]);
        long durationMs = Long.parseLong(args[2]);
        int progressSteps = Integer.parseInt(args[3]);
        int jobsPerProvider = Integer.parseInt(args[4]);
        Files.createDirectories(work);
        LocalRedisServer redis = LocalRedisServer.startOnFreePort();
        SimulatedAiServer ai = new SimulatedAiServer(LocalRedisServer.freePort(), Processes.SECRET);
        ai.start();
        int port = LocalRedisServer.freePort();
        Map<String, String> env = GatewayProcess.envWithAllProviders(redis.uri(), ai,
                Processes.API_KEY + "=bench", "http://127.0.0.1:" + port);
        env.put("QUARKUS_LOG_LEVEL", "WARN");
        GatewayClient client = new GatewayClient();
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(4);
        try (GatewayProcess gateway = GatewayProcess.start(jar, port, env, work.resolve("push-counts.log"),
                List.of("-Xmx256m"))) {
            gateway.awaitReady(Duration.ofSeconds(90));
            Map<String, String> results = new TreeMap<>();
            List<CompletableFuture<?>> all = new ArrayList<>();
            Map<String, List<Watch>> byProvider = new TreeMap<>();
            for (String provider : new java.util.TreeSet<>(PROVIDERS.keySet())) {
                List<Watch> watches = new ArrayList<>();
                byProvider.put(provider, watches);
                String body = "{\"provider\":\"" + provider + "\"" + PROVIDERS.get(provider)
                        + ",\"input\":{\"prompt\":\"counts\",\"simulate\":"
                        + "{\"duration_ms\":" + durationMs + ",\"progress_steps\":" + progressSteps + "}}}";
                for (int i = 0; i < jobsPerProvider; i++) {
                    var submitted = client.send(gateway, "POST", "/jobs", body.getBytes(StandardCharsets.UTF_8))
                            .get(30, TimeUnit.SECONDS);
                    String id = GatewayClient.field(submitted.body(), "id");
                    if (submitted.statusCode() != 202 || id.isEmpty()) {
                        throw new IllegalStateException("submit answered " + submitted.statusCode() + ": "
                                + submitted.body());
                    }
                    Watch watch = new Watch(id);
                    watches.add(watch);
                    all.add(poll(client, gateway, timers, watch));
                    all.add(longPoll(client, gateway, watch));
                    all.add(progressLongPoll(client, gateway, watch, "0"));
                }
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(durationMs / 1000 + 120,
                    TimeUnit.SECONDS);
            for (Map.Entry<String, List<Watch>> entry : byProvider.entrySet()) {
                double polls = 0;
                double longPolls = 0;
                double progressPolls = 0;
                double changes = 0;
                for (Watch watch : entry.getValue()) {
                    String job = client.get(gateway, "/jobs/" + watch.id);
                    polls += watch.polls.get();
                    longPolls += watch.longPolls.get();
                    progressPolls += watch.progressPolls.get();
                    changes += Long.parseLong(GatewayClient.field(job, "version"));
                }
                int n = entry.getValue().size();
                results.put(entry.getKey() + "_poll_3s_requests_per_job", Stats.fmt(polls / n));
                results.put(entry.getKey() + "_long_poll_requests_per_job", Stats.fmt(longPolls / n));
                results.put(entry.getKey() + "_long_poll_every_change_requests_per_job",
                        Stats.fmt(progressPolls / n));
                results.put(entry.getKey() + "_applied_changes_per_job", Stats.fmt(changes / n));
            }
            results.put("job_length_ms", Long.toString(durationMs));
            results.put("progress_steps", Integer.toString(progressSteps));
            results.put("jobs_per_provider", Integer.toString(jobsPerProvider));
            results.forEach((name, value) -> System.out.println("| " + name + " | " + value + " |"));
        } finally {
            timers.shutdownNow();
            ai.stop();
            redis.stop();
        }
        // The shared client's executor threads would keep the JVM alive.
        System.exit(0);
    }

    /** A client polling every 3 s from a random point of its first interval until the job has ended. */
    private static CompletableFuture<Void> poll(GatewayClient client, GatewayProcess gateway,
            ScheduledExecutorService timers, Watch watch) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable read = new Runnable() {
            @Override
            public void run() {
                watch.polls.incrementAndGet();
                client.send(gateway, "GET", "/jobs/" + watch.id, null).whenComplete((response, error) -> {
                    if (error != null) {
                        done.completeExceptionally(error);
                    } else if (TERMINAL.contains(GatewayClient.status(response.body()))) {
                        done.complete(null);
                    } else {
                        timers.schedule(this, 3, TimeUnit.SECONDS);
                    }
                });
            }
        };
        timers.schedule(read, ThreadLocalRandom.current().nextLong(0, 3000), TimeUnit.MILLISECONDS);
        return done;
    }

    /** A client holding {@code ?wait=25} reads, one after the other, until the job has ended. */
    private static CompletableFuture<Void> longPoll(GatewayClient client, GatewayProcess gateway, Watch watch) {
        watch.longPolls.incrementAndGet();
        return client.send(gateway, "GET", "/jobs/" + watch.id + "?wait=25", null).thenCompose(response -> {
            if (TERMINAL.contains(GatewayClient.status(response.body()))) {
                return CompletableFuture.completedFuture(null);
            }
            return longPoll(client, gateway, watch);
        });
    }

    /**
     * A client that shows every change (progress bar): {@code ?wait=25} with {@code If-None-Match} of the version it
     * has, held until the version moves, again after each answer until the job has ended.
     */
    private static CompletableFuture<Void> progressLongPoll(GatewayClient client, GatewayProcess gateway, Watch watch,
            String version) {
        watch.progressPolls.incrementAndGet();
        return client.sendWithHeader(gateway, "/jobs/" + watch.id + "?wait=25", "If-None-Match",
                "\"" + version + "\"").thenCompose(response -> {
                    if (response.statusCode() == 304) {
                        return progressLongPoll(client, gateway, watch, version);
                    }
                    if (TERMINAL.contains(GatewayClient.status(response.body()))) {
                        return CompletableFuture.completedFuture(null);
                    }
                    return progressLongPoll(client, gateway, watch, GatewayClient.field(response.body(), "version"));
                });
    }

    private record Watch(String id, AtomicInteger polls, AtomicInteger longPolls, AtomicInteger progressPolls) {
        Watch(String id) {
            this(id, new AtomicInteger(), new AtomicInteger(), new AtomicInteger());
        }
    }
}
