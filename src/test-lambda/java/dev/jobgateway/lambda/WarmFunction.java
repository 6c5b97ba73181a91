package dev.jobgateway.lambda;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One Lambda execution environment kept warm: an unpacked {@code function.zip} under AWS's runtime interface client
 * ({@link LambdaInstance}, the java21 runtime's flags) with a Runtime API emulator of its own, so that it serves only
 * the invocations sent to it, one at a time, as Lambda sends one request at a time to an instance. Every invocation
 * comes back with its answer and its duration on Lambda's billing clock ({@link RuntimeApiEmulator#invokeTimed}).
 */
public final class WarmFunction implements AutoCloseable {

    private static final Duration FIRST_ANSWER_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration INVOCATION_TIMEOUT = Duration.ofSeconds(30);

    /** An invocation's answer (an HTTP API response: header names lower-case) and its billed duration. */
    public record Invocation(int statusCode, Map<String, String> headers, String body, BilledDuration billed) {

        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final String name;
    private final RuntimeApiEmulator runtime;
    private final LambdaInstance instance;

    private WarmFunction(String name, RuntimeApiEmulator runtime, LambdaInstance instance) {
        this.name = name;
        this.runtime = runtime;
        this.instance = instance;
    }

    /**
     * Starts the environment and sends it its first event (the cold start, not timed here), which it must answer
     * with {@code expectedStatus}; a process that dies at start-up fails this at once, with its log.
     *
     * @param env the function's configuration, on top of what Lambda sets
     */
    public static WarmFunction start(String name, Path taskRoot, Path runtimeClient, Map<String, String> env,
            Path logs, String firstEvent, int expectedStatus) throws Exception {
        RuntimeApiEmulator runtime = RuntimeApiEmulator.startOnFreePort();
        LambdaInstance instance;
        try {
            instance = LambdaInstance.start(name, taskRoot.toAbsolutePath(), runtimeClient.toAbsolutePath(),
                    runtime.runtimeApi(), env, logs.toAbsolutePath());
        } catch (IOException | RuntimeException e) {
            runtime.close();
            throw e;
        }
        WarmFunction function = new WarmFunction(name, runtime, instance);
        try {
            CompletableFuture<RuntimeApiEmulator.TimedAnswer> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return runtime.invokeTimed(firstEvent, FIRST_ANSWER_TIMEOUT);
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Invocation answer = parse(function.awaitFirst(first));
            if (answer.statusCode() != expectedStatus) {
                throw new IllegalStateException("answered its first event with " + answer.statusCode()
                        + " (expected " + expectedStatus + "): " + answer.body());
            }
            return function;
        } catch (Exception e) {
            String log = instance.logText();
            function.close();
            throw new IllegalStateException("Lambda function " + name + " did not start: " + e.getMessage()
                    + "; init errors " + runtime.initErrors() + "; log " + instance.log() + ":\n" + log, e);
        }
    }

    private RuntimeApiEmulator.TimedAnswer awaitFirst(CompletableFuture<RuntimeApiEmulator.TimedAnswer> first)
            throws ExecutionException, InterruptedException {
        while (true) {
            try {
                return first.get(50, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (!instance.isAlive()) {
                    throw new IllegalStateException("the process exited with " + instance.exitValue());
                }
            }
        }
    }

    /** One warm invocation: the event (an HTTP API 2.0 event or the sweep's), answered before the next is sent. */
    public Invocation invoke(String eventJson) throws IOException, InterruptedException {
        try {
            return parse(runtime.invokeTimed(eventJson, INVOCATION_TIMEOUT));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("Lambda function " + name + " failed an invocation ("
                    + (instance.isAlive() ? "alive" : "exited") + "; log " + instance.log() + "): " + e, e);
        }
    }

    private static Invocation parse(RuntimeApiEmulator.TimedAnswer answer) {
        ApiGatewayV2.Response response = ApiGatewayV2.Response.parse(answer.body());
        return new Invocation(response.statusCode(), response.headers(), response.body(), answer.billed());
    }

    /** The process, for its CPU time. */
    public long pid() {
        return instance.pid();
    }

    public String name() {
        return name;
    }

    @Override
    public void close() {
        instance.close();
        try {
            runtime.close();
        } catch (IOException e) {
            // the process is gone already; nothing else holds the emulator's port
        }
    }
}
