package dev.jobgateway.push;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.metrics.Meters.PushResult;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

/**
 * Publishes events to an AppSync Event API over HTTP: {@code POST <endpoint>/event} with
 * {@code {"channel": ..., "events": ["<json>"]}}, signed with SigV4 for the service {@code appsync} (the functions'
 * role holds {@code appsync:EventPublish} on that API). The JDK's HTTP client, so the build gains no HTTP stack; the
 * signer is the AWS SDK's, already in the build with S3.
 */
final class AppSyncPublisher {

    private static final Set<String> RESTRICTED = Set.of("host", "content-length", "connection",
            "expect", "upgrade");

    private final URI endpoint;
    private final String region;
    private final AwsCredentialsProvider credentials;
    private final HttpClient http;
    private final Duration timeout;
    private final Executor signing;
    private final ObjectMapper json;
    /*
     * Per instance, not static: Quarkus' SnapStart class preloading initialises every gateway class at start-up, and a
     * static signer made every Lambda cold start load and set up the SDK's SigV4 classes, push on or off.
     */
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

    /**
     * @param endpoint the Event API's HTTP endpoint ({@code https://<http-domain>/event})
     * @param signing where credentials are resolved and requests signed (both may block: a credentials endpoint)
     */
    AppSyncPublisher(URI endpoint, String region, AwsCredentialsProvider credentials, Duration timeout,
            Executor signing, ObjectMapper json) {
        this.endpoint = endpoint;
        this.region = region;
        this.credentials = credentials;
        this.timeout = timeout;
        this.signing = signing;
        this.json = json;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .executor(signing).build();
    }

    /** The endpoint for an HTTP domain; a domain given with a scheme (an emulator, tests) is taken as it is. */
    static URI endpoint(String httpDomain) {
        String base = httpDomain.startsWith("http://") || httpDomain.startsWith("https://") ? httpDomain
                : "https://" + httpDomain;
        return URI.create(base.replaceAll("/+$", "") + "/event");
    }

    /**
     * Publishes one event to a channel; never completes exceptionally: {@code PUBLISHED}, {@code REFUSED} (AppSync
     * answered, but not with the event among its successful ones, or not 2xx), {@code FAILED} (no answer: connection
     * failed, credentials missing, or the bound passed).
     */
    CompletableFuture<PushResult> publish(String channel, String event) {
        return CompletableFuture.supplyAsync(() -> signed(channel, event), signing)
                .thenCompose(request -> http.sendAsync(request, HttpResponse.BodyHandlers.ofString()))
                .thenApply(this::result)
                .exceptionally(failure -> PushResult.FAILED);
    }

    private HttpRequest signed(String channel, String event) {
        ObjectNode body = json.createObjectNode().put("channel", channel);
        body.putArray("events").add(event);
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        SdkHttpRequest unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(endpoint)
                .putHeader("content-type", "application/json").build();
        SignedRequest signed = signer.sign(request -> request.identity(credentials.resolveCredentials())
                .request(unsigned)
                .payload(ContentStreamProvider.fromByteArrayUnsafe(bytes))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "appsync")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region));
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        for (Map.Entry<String, List<String>> header : signed.request().headers().entrySet()) {
            // The JDK client sets these itself (and refuses them): Host from the same URI the signature covers.
            if (!RESTRICTED.contains(header.getKey().toLowerCase(java.util.Locale.ROOT))) {
                header.getValue().forEach(value -> request.header(header.getKey(), value));
            }
        }
        return request.build();
    }

    private PushResult result(HttpResponse<String> response) {
        if (response.statusCode() / 100 != 2) {
            return PushResult.REFUSED;
        }
        try {
            JsonNode answer = json.readTree(response.body());
            return answer.path("successful").size() == 1 && answer.path("failed").isEmpty() ? PushResult.PUBLISHED
                    : PushResult.REFUSED;
        } catch (java.io.IOException e) {
            return PushResult.REFUSED;
        }
    }
}
