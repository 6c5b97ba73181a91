package dev.jobgateway.lambda;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.quarkus.amazon.lambda.runtime.AmazonLambdaApi;
import io.quarkus.amazon.lambda.runtime.MockEventServer;
import io.vertx.ext.web.RoutingContext;

/**
 * The Lambda Runtime API, as Quarkus' mock event server serves it (under {@code /_lambda_}), plus what AWS's
 * runtime interface client needs from the real one: the invocation headers its native client reads (it crashes
 * without the client-context and cognito-identity headers), and an init-error endpoint, which the mock server would
 * otherwise take for a new event. Events posted to it are answered with the function's response.
 *
 * <p>
 * It also keeps Lambda's billing clock for the invocations it is asked to time ({@link #invokeTimed}): from the moment
 * its answer to {@code GET .../invocation/next} (the event) goes out to the runtime to the moment the runtime's
 * {@code POST .../invocation/{id}/response} has arrived whole. Time the event spends queued before
 * the runtime asks for it, and the runtime's idle wait for the next event, are not on it: Lambda bills neither.
 */
final class RuntimeApiEmulator extends MockEventServer {

    /** The deadline handed to each invocation, as a 28 s function (the status function) would get. */
    private static final Duration FUNCTION_TIMEOUT = Duration.ofSeconds(28);
    static final String FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:job-gateway-it-status";

    private final List<String> initErrors = new CopyOnWriteArrayList<>();
    /** The billing clocks of the invocations being timed, by request id; other invocations have none. */
    private final Map<String, Clock> clocks = new ConcurrentHashMap<>();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    static RuntimeApiEmulator startOnFreePort() {
        RuntimeApiEmulator emulator = new RuntimeApiEmulator();
        emulator.start(0);
        return emulator;
    }

    /** The value of {@code AWS_LAMBDA_RUNTIME_API} for a runtime talking to this emulator. */
    String runtimeApi() {
        return "127.0.0.1:" + getPort() + BASE_PATH;
    }

    List<String> initErrors() {
        return initErrors;
    }

    @Override
    public void setupRoutes() {
        // Registered before the mock server's own routes, so they run first on the same request.
        router.route(NEXT_INVOCATION).handler(ctx -> {
            ctx.response().headersEndHandler(v -> {
                ctx.response()
                        .putHeader(AmazonLambdaApi.LAMBDA_RUNTIME_DEADLINE_MS,
                                Long.toString(System.currentTimeMillis() + FUNCTION_TIMEOUT.toMillis()))
                        .putHeader(AmazonLambdaApi.LAMBDA_RUNTIME_INVOKED_FUNCTION_ARN, FUNCTION_ARN)
                        .putHeader(AmazonLambdaApi.LAMBDA_RUNTIME_CLIENT_CONTEXT, "")
                        .putHeader(AmazonLambdaApi.LAMBDA_RUNTIME_COGNITO_IDENTITY, "");
                // The mock server's own handler has dequeued an event and named it; this runs as the answer goes
                // out, before a byte of it is written, so the clock starts before the runtime can have the event.
                Clock clock = clocks.get(String.valueOf(
                        ctx.response().headers().get(AmazonLambdaApi.LAMBDA_RUNTIME_AWS_REQUEST_ID)));
                if (clock != null) {
                    clock.handedOver = System.nanoTime();
                }
            });
            ctx.next();
        });
        router.post(BASE_PATH + AmazonLambdaApi.API_PATH_INIT_ERROR).handler(ctx -> ctx.request().body()
                .onSuccess(body -> {
                    initErrors.add(body.toString());
                    ctx.response().setStatusCode(202).end();
                }));
        super.setupRoutes();
    }

    /** Called once the runtime's response has arrived whole (the mock server's body handler runs first). */
    @Override
    public void handleResponse(RoutingContext ctx) {
        stopClock(ctx);
        super.handleResponse(ctx);
    }

    private void stopClock(RoutingContext ctx) {
        Clock clock = clocks.get(String.valueOf(ctx.pathParam("requestId")));
        if (clock != null) {
            clock.responded = System.nanoTime();
        }
    }

    /** Events posted and not yet handed to the runtime. */
    int queuedEvents() {
        return queue.size();
    }

    /** The answer to a timed invocation and its duration on Lambda's billing clock. */
    record TimedAnswer(String body, BilledDuration billed) {
    }

    /**
     * Invokes the function with an event, as {@link #invoke}, and times the invocation on the billing clock. The
     * invocation gets a request id of its own, so its clock cannot be confused with another invocation's.
     */
    TimedAnswer invokeTimed(String eventJson, Duration timeout) throws IOException, InterruptedException {
        String requestId = UUID.randomUUID().toString();
        Clock clock = new Clock();
        clocks.put(requestId, clock);
        try {
            // the mock server takes the event's request id from this header when there is one
            HttpResponse<String> response = client.send(
                    requestBuilder(eventJson, timeout).header(AmazonLambdaApi.LAMBDA_RUNTIME_AWS_REQUEST_ID, requestId)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            String body = checked(response);
            if (clock.handedOver == 0 || clock.responded == 0) {
                throw new IllegalStateException("Invocation " + requestId + " answered without passing the runtime "
                        + "API's next/response (handed over " + clock.handedOver + ", responded " + clock.responded
                        + ")");
            }
            return new TimedAnswer(body, new BilledDuration(clock.responded - clock.handedOver));
        } finally {
            clocks.remove(requestId);
        }
    }

    /** Both ends of one invocation on {@link System#nanoTime()}; 0 until that end has happened. */
    private static final class Clock {
        volatile long handedOver;
        volatile long responded;
    }

    /** Invokes the function with an event and returns its response (the body of the Lambda response). */
    String invoke(String eventJson, Duration timeout) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(request(eventJson, timeout), HttpResponse.BodyHandlers.ofString());
        return checked(response);
    }

    CompletableFuture<String> invokeAsync(String eventJson, Duration timeout) {
        return client.sendAsync(request(eventJson, timeout), HttpResponse.BodyHandlers.ofString())
                .thenApply(RuntimeApiEmulator::checked);
    }

    private HttpRequest request(String eventJson, Duration timeout) {
        return requestBuilder(eventJson, timeout).build();
    }

    private HttpRequest.Builder requestBuilder(String eventJson, Duration timeout) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + getPort() + POST_EVENT))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(eventJson));
    }

    private static String checked(HttpResponse<String> response) {
        if (response.statusCode() != 200) {
            throw new IllegalStateException("The function failed the invocation (runtime API answered "
                    + response.statusCode() + "): " + response.body());
        }
        return response.body();
    }
}
