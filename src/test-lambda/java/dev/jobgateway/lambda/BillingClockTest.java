package dev.jobgateway.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.quarkus.amazon.lambda.runtime.AmazonLambdaApi;

/**
 * Lambda's billing clock as the Runtime API emulator keeps it, driven by a scripted runtime (plain HTTP: GET next,
 * hold, POST response) whose own timestamps bound what the clock may say: it must cover at least the time the runtime
 * held the event, and nothing from before the event was posted or before the runtime asked for it. The bounds follow
 * from the order of events alone; none depends on how fast this machine is.
 */
class BillingClockTest {

    private static final Duration HOLD = Duration.ofMillis(40);
    /** Long against the runtime's own HTTP exchanges, so that a clock counting it could not hide. */
    private static final Duration WAIT = Duration.ofMillis(300);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String ANSWER = "{\"statusCode\":200,\"body\":\"held\"}";

    /** One for the class (its start is most of the class's time); each test leaves it with no event pending. */
    private static RuntimeApiEmulator emulator;
    private final HttpClient runtime = HttpClient.newHttpClient();

    @BeforeAll
    static void startEmulator() {
        emulator = RuntimeApiEmulator.startOnFreePort();
    }

    @AfterAll
    static void stopEmulator() throws IOException {
        emulator.close();
    }

    @Test
    void billsWholeMillisecondsRoundedUpWithNoMinimum() {
        assertThat(new BilledDuration(1).billedMillis()).isEqualTo(1);
        assertThat(new BilledDuration(999_999).billedMillis()).isEqualTo(1);
        assertThat(new BilledDuration(1_000_000).billedMillis()).isEqualTo(1);
        assertThat(new BilledDuration(1_000_001).billedMillis()).isEqualTo(2);
        // AWS's own example of 1 ms billing: "Duration: 27.55 ms  Billed Duration: 28 ms"
        assertThat(new BilledDuration(27_550_000).billedMillis()).isEqualTo(28);
        assertThat(new BilledDuration(27_550_000).durationMillis()).isEqualTo(27.55);
        assertThatThrownBy(() -> new BilledDuration(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theClockRunsFromTheEventHandedToTheRuntimeToItsResponseNotWhileTheEventWaitsInTheQueue() throws Exception {
        CompletableFuture<RuntimeApiEmulator.TimedAnswer> invocation = invokeAsync();
        await().atMost(TIMEOUT).until(() -> emulator.queuedEvents() == 1);
        passes(WAIT); // the event waits for a runtime that has not asked yet

        long asked = System.nanoTime();
        HttpResponse<String> next = runtime.send(nextRequest(), HttpResponse.BodyHandlers.ofString());
        long received = System.nanoTime();
        passes(HOLD);
        long responding = System.nanoTime();
        respond(next);
        long acknowledged = System.nanoTime();

        RuntimeApiEmulator.TimedAnswer answer = invocation.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(answer.body()).isEqualTo(ANSWER);
        assertThat(answer.billed().durationNanos()).isBetween(responding - received, acknowledged - asked);
        assertThat(answer.billed().billedMillis()).isGreaterThanOrEqualTo(HOLD.toMillis());
    }

    @Test
    void theRuntimesIdleWaitForTheNextEventIsNotBilled() throws Exception {
        long asked = System.nanoTime();
        CompletableFuture<HttpResponse<String>> next = runtime.sendAsync(nextRequest(),
                HttpResponse.BodyHandlers.ofString());
        passes(WAIT); // the runtime waits for an event that has not come yet

        long posted = System.nanoTime();
        CompletableFuture<RuntimeApiEmulator.TimedAnswer> invocation = invokeAsync();
        HttpResponse<String> event = next.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        long received = System.nanoTime();
        passes(HOLD);
        long responding = System.nanoTime();
        respond(event);
        long acknowledged = System.nanoTime();

        RuntimeApiEmulator.TimedAnswer answer = invocation.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(answer.billed().durationNanos()).isBetween(responding - received, acknowledged - posted);
        assertThat(acknowledged - asked - answer.billed().durationNanos()).isGreaterThanOrEqualTo(WAIT.toNanos());
    }

    // --- the scripted runtime and the invoking side ---------------------------------------------------------------

    private CompletableFuture<RuntimeApiEmulator.TimedAnswer> invokeAsync() {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return emulator.invokeTimed("{\"rawPath\":\"/held\"}", TIMEOUT);
            } catch (IOException | InterruptedException e) {
                throw new CompletionException(e);
            }
        });
    }

    private HttpRequest nextRequest() {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + emulator.getPort()
                + RuntimeApiEmulator.NEXT_INVOCATION)).timeout(TIMEOUT).GET().build();
    }

    private void respond(HttpResponse<String> next) throws IOException, InterruptedException {
        String requestId = next.headers().firstValue(AmazonLambdaApi.LAMBDA_RUNTIME_AWS_REQUEST_ID).orElseThrow();
        HttpResponse<Void> posted = runtime.send(HttpRequest.newBuilder(invocationUri(requestId,
                AmazonLambdaApi.API_PATH_RESPONSE)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(ANSWER)).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(posted.statusCode()).isEqualTo(204);
    }

    private URI invocationUri(String requestId, String what) {
        return URI.create("http://127.0.0.1:" + emulator.getPort() + RuntimeApiEmulator.INVOCATION + requestId + what);
    }

    /** Lets at least {@code time} pass on the monotonic clock. */
    private static void passes(Duration time) {
        long from = System.nanoTime();
        await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5)).atMost(time.plusSeconds(5))
                .until(() -> System.nanoTime() - from >= time.toNanos());
    }
}
