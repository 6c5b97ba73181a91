package dev.jobgateway.lambda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.support.WebhookSecrets;

/**
 * Lambda cold starts measured the way {@link LambdaRuntimeContractIT} runs {@code function.zip}: the unpacked task
 * root under AWS's runtime interface client ({@link LambdaInstance}), one fresh process and one fresh Runtime API
 * emulator per start, timed from the process start to the answer of the first API Gateway 2.0 event, which is queued
 * at that moment (what the first request to a new instance waits). Two functions are started in turns, so that the
 * machine's load weighs on both alike. One local Redis serves every start.
 *
 * <p>
 * Used by {@link ColdStartComparison} (two builds of the gateway) and by the benchmark's Lambda cold-start scenario
 * (the gateway against a bare Quarkus Lambda app, {@code bench/bare-lambda}).
 */
public final class ColdStarts implements AutoCloseable {

    private static final Duration FIRST_ANSWER_TIMEOUT = Duration.ofSeconds(60);
    private static final String API_KEY = "cold-start-key";
    private static final Pattern STARTED_IN = Pattern.compile(" started in ([0-9.]+)s");

    /**
     * A function to start: its task root, its configuration (environment) and the first event it is sent, with the
     * status code that event must be answered with.
     */
    public record Function(String name, Path taskRoot, Map<String, String> env, String firstEvent, int expectedStatus) {

        /** The same function with more environment, e.g. {@code JAVA_TOOL_OPTIONS} for a profiling run. */
        public Function withEnv(Map<String, String> more) {
            Map<String, String> merged = new HashMap<>(env);
            merged.putAll(more);
            return new Function(name, taskRoot, Map.copyOf(merged), firstEvent, expectedStatus);
        }
    }

    /**
     * One cold start: wall time and the process's CPU time (user + system) up to the first answer, both in ms, and
     * Quarkus' own "started in" figure from the log (-1 when the log has none).
     */
    public record Sample(long wallMs, long cpuMs, long bootMs) {
    }

    /** The samples of two functions started in turns, run by run. */
    public record Comparison(List<Sample> first, List<Sample> second) {

        public static long median(List<Sample> samples, java.util.function.ToLongFunction<Sample> figure) {
            long[] sorted = samples.stream().mapToLong(figure).sorted().toArray();
            return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
        }
    }

    private final Path runtimeClient;
    private final Path logs;
    private final LocalRedisServer redis;

    private ColdStarts(Path runtimeClient, Path logs, LocalRedisServer redis) {
        // absolute: each function runs with its task root as working directory
        this.runtimeClient = runtimeClient.toAbsolutePath();
        this.logs = logs.toAbsolutePath();
        this.redis = redis;
    }

    /**
     * @param runtimeClient the runtime interface client's jars ({@code target/lambda-runtime-client})
     * @param logs where each start's output goes ({@code <run name>.log})
     */
    public static ColdStarts start(Path runtimeClient, Path logs) throws IOException {
        Files.createDirectories(logs);
        return new ColdStarts(runtimeClient, logs, LocalRedisServer.startOnFreePort());
    }

    /**
     * The gateway's {@code function.zip}, configured as a deployment would be (Redis, the generic provider, an API
     * key), its first event a readiness check ({@code GET /q/health/ready}: opens the Redis connection, one PING).
     */
    public Function gatewayHealth(String name, Path taskRoot) {
        return new Function(name, taskRoot, gatewayEnv(),
                ApiGatewayV2.request("GET", "/q/health/ready", "/q/health/ready").toJson(), 200);
    }

    /**
     * The gateway's {@code function.zip}, its first event a status read as a client sends it to the status function
     * ({@code GET /jobs/{id}} with an API key): the key checked, one Redis round trip on a fresh connection, a JSON
     * answer (the problem document of a job that does not exist: 404).
     */
    public Function gatewayStatusRead(String name, Path taskRoot) {
        String id = "job_AAAAAAAAAAAAAAAAAAAAAA";
        return new Function(name, taskRoot, gatewayEnv(),
                ApiGatewayV2.request("GET", "/jobs/{id}", "/jobs/" + id).pathParameter("id", id)
                        .header("authorization", "Bearer " + API_KEY).toJson(),
                404);
    }

    /** Any other function, e.g. the bare Quarkus Lambda app: {@code GET path} with no configuration, answered 200. */
    public static Function plainGet(String name, Path taskRoot, String path) {
        return new Function(name, taskRoot, Map.of("DISABLE_SIGNAL_HANDLERS", "true"),
                ApiGatewayV2.request("GET", path, path).toJson(), 200);
    }

    private Map<String, String> gatewayEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("REDIS_URL", "redis://127.0.0.1:" + redis.port());
        env.put("GATEWAY_PROVIDERS_GENERIC_URL", "http://127.0.0.1:9");
        env.put("GATEWAY_PROVIDERS_GENERIC_WEBHOOK_SECRETS", WebhookSecrets.of("cold-start-comparison-secret"));
        env.put("GATEWAY_PUBLIC_BASE_URL", "https://itapi.execute-api.us-east-1.amazonaws.com");
        env.put("GATEWAY_API_KEYS", API_KEY + "=cold");
        // what serverless.yml sets besides the configuration
        env.put("GATEWAY_CONFIG_REVISION", "1");
        env.put("DISABLE_SIGNAL_HANDLERS", "true");
        return Map.copyOf(env);
    }

    /**
     * One warm-up start of each (page cache, the emulator's JIT; not counted), then {@code runs} rounds of one start
     * each, alternating which goes first so that neither always runs right after the other.
     *
     * @param eachRound called after every round with its index and the two samples
     */
    public Comparison alternate(Function a, Function b, int runs, BiConsumer<Integer, Sample[]> eachRound)
            throws Exception {
        coldStart(a, "warmup-" + a.name());
        coldStart(b, "warmup-" + b.name());
        List<Sample> first = new ArrayList<>();
        List<Sample> second = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            boolean aFirst = i % 2 == 0;
            Sample sa = aFirst ? coldStart(a, a.name() + "-" + i) : null;
            Sample sb = coldStart(b, b.name() + "-" + i);
            if (!aFirst) {
                sa = coldStart(a, a.name() + "-" + i);
            }
            first.add(sa);
            second.add(sb);
            eachRound.accept(i, new Sample[] { sa, sb });
        }
        return new Comparison(List.copyOf(first), List.copyOf(second));
    }

    /** Starts the function in a fresh environment, sends it its first event and stops it once answered. */
    public Sample coldStart(Function function, String runName) throws Exception {
        try (RuntimeApiEmulator runtime = RuntimeApiEmulator.startOnFreePort();
                LambdaInstance instance = LambdaInstance.start(runName, function.taskRoot().toAbsolutePath(),
                        runtimeClient, runtime.runtimeApi(), function.env(), logs)) {
            ApiGatewayV2.Response answer;
            try {
                CompletableFuture<String> invocation = runtime.invokeAsync(function.firstEvent(),
                        FIRST_ANSWER_TIMEOUT);
                answer = ApiGatewayV2.Response.parse(awaitAnswer(invocation, instance));
            } catch (ExecutionException | RuntimeException e) {
                throw new IllegalStateException(runName + " did not answer; init errors " + runtime.initErrors()
                        + "; log " + instance.log() + ":\n" + instance.logText(), e);
            }
            long wallMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - instance.startedNanos());
            long cpuMs = cpuMs(instance.pid());
            if (answer.statusCode() != function.expectedStatus()) {
                throw new IllegalStateException(runName + " answered " + answer.statusCode() + " (expected "
                        + function.expectedStatus() + "): " + answer.body() + "; log " + instance.log());
            }
            return new Sample(wallMs, cpuMs, bootMillis(instance.logText()));
        }
    }

    /** The answer as soon as it comes; a process that died at start-up (class path, configuration) fails at once. */
    private static String awaitAnswer(CompletableFuture<String> invocation, LambdaInstance instance)
            throws ExecutionException, InterruptedException {
        while (true) {
            try {
                return invocation.get(50, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (!instance.isAlive()) {
                    throw new IllegalStateException("the process exited with " + instance.exitValue());
                }
            }
        }
    }

    /** Quarkus' own "started in" figure (JSON or text log line) in ms, or -1 if the log has none (yet). */
    static long bootMillis(String log) {
        Matcher started = STARTED_IN.matcher(log);
        return started.find() ? Math.round(Double.parseDouble(started.group(1)) * 1000) : -1;
    }

    private static long cpuMs(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // Fields counted from after the command name's closing parenthesis: utime and stime are fields 14 and 15.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        Process getconf = new ProcessBuilder("getconf", "CLK_TCK").start();
        long perSecond = Long.parseLong(new String(getconf.getInputStream().readAllBytes()).trim());
        return ticks * 1000 / perSecond;
    }

    /** Unpacks a {@code function.zip} into {@code dir} (emptied first), as Lambda unpacks it into /var/task. */
    public static Path unpack(Path zip, Path dir) throws IOException {
        if (!Files.exists(zip)) {
            throw new IllegalArgumentException(zip + " does not exist (built by the package phase)");
        }
        if (Files.exists(dir)) {
            try (Stream<Path> old = Files.walk(dir)) {
                old.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        try (ZipFile file = new ZipFile(zip.toFile())) {
            for (ZipEntry entry : Collections.list(file.entries())) {
                Path to = dir.resolve(entry.getName()).normalize();
                if (!to.startsWith(dir)) {
                    throw new IOException("Entry outside the task root: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(to);
                    continue;
                }
                Files.createDirectories(to.getParent());
                try (InputStream in = file.getInputStream(entry)) {
                    Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        // java.util.zip drops Unix modes; a native zip's entry point (and a wrapper's runner) must be executable
        for (String executable : List.of("bootstrap", "runner")) {
            dir.resolve(executable).toFile().setExecutable(true);
        }
        return dir;
    }

    @Override
    public void close() {
        redis.stop();
    }
}
