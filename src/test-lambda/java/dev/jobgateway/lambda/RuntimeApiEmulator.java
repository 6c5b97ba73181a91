package dev.jobgateway.lambda;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import io.quarkus.amazon.lambda.runtime.AmazonLambdaApi;
import io.quarkus.amazon.lambda.runtime.MockEventServer;

/**
 * The Lambda Runtime API, as Quarkus' mock event server serves it (under {@code /_lambda_}), plus what AWS's
 * runtime interface client needs from the real one: the invocation headers its native client reads (it crashes
 * without the client-context and cognito-identity headers), and an init-error endpoint, which the mock server would
 * otherwise take for a new event. Events posted to it are answered with the function's response.
 */
final class RuntimeApiEmulator extends MockEventServer {

    /** The deadline handed to each invocation, as a 28 s function (the status function) would get. */
    private static final Duration FUNCTION_TIMEOUT = Duration.ofSeconds(28);
    static final String FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:job-gateway-it-status";

    private final List<String> initErrors = new CopyOnWriteArrayList<>();
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
            ctx.response().headersEndHandler(v -> ctx.response()
                    .putHeader(AmazonLambdaApi.LAMBDA_RUNTIME_DEADLINE_MS,
                            Long.toString(System.currentTimeMillis() + FUNCTION_TIMEOUT.toMillis()))
                    .putHeader(AmazonLambdaApi.LAMBDA_RUNTIME_INVOKED_FUNCTION_ARN, FUNCTION_ARN)
                    .putHeader(AmazonLambdaApi.LAMBDA_RUNTIME_CLIENT_CONTEXT, "")
                    .putHeader(AmazonLambdaApi.LAMBDA_RUNTIME_COGNITO_IDENTITY, ""));
            ctx.next();
        });
        router.post(BASE_PATH + AmazonLambdaApi.API_PATH_INIT_ERROR).handler(ctx -> ctx.request().body()
                .onSuccess(body -> {
                    initErrors.add(body.toString());
                    ctx.response().setStatusCode(202).end();
                }));
        super.setupRoutes();
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
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + getPort() + POST_EVENT))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(eventJson))
                .build();
    }

    private static String checked(HttpResponse<String> response) {
        if (response.statusCode() != 200) {
            throw new IllegalStateException("The function failed the invocation (runtime API answered "
                    + response.statusCode() + "): " + response.body());
        }
        return response.body();
    }
}
