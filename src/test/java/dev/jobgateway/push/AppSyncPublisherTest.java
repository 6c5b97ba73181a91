package dev.jobgateway.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;

/**
 * The publisher against a local stand-in for AppSync's HTTP endpoint that checks each request's SigV4 signature the
 * way AWS does: it signs the request it received again with the AWS SDK's own signer (same credentials, the request's
 * date) and compares; a signature made with other credentials is refused.
 */
class AppSyncPublisherTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AwsBasicCredentials CREDENTIALS = AwsBasicCredentials.create("AKIDPUSHTEST",
            "push-test-secret-key-0000000000000000000");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Pattern SIGNED_HEADERS = Pattern.compile("SignedHeaders=([^,]+)");

    private HttpServer server;
    private final ConcurrentLinkedQueue<JsonNode> published = new ConcurrentLinkedQueue<>();
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void startTheStandIn() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.createContext("/event", this::appSync);
        server.createContext("/slow/event", exchange -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    @Test
    void publishesTheEventToTheChannelWithAValidSignature() throws Exception {
        AppSyncPublisher publisher = publisher("", StaticCredentialsProvider.create(CREDENTIALS));

        AppSyncPublisher.Result result = publisher.publish("/jobs/jobAbc", "{\"id\":\"job_x\",\"version\":3}").get();

        assertThat(result).isEqualTo(AppSyncPublisher.Result.PUBLISHED);
        JsonNode body = published.poll();
        assertThat(body.path("channel").asText()).isEqualTo("/jobs/jobAbc");
        assertThat(body.path("events")).hasSize(1);
        assertThat(JSON.readTree(body.path("events").get(0).asText()).path("version").asInt()).isEqualTo(3);
    }

    @Test
    void aSignatureWithOtherCredentialsIsRefused() throws Exception {
        AppSyncPublisher publisher = publisher("", StaticCredentialsProvider.create(
                AwsBasicCredentials.create("AKIDPUSHTEST", "not-the-secret-key-00000000000000000000")));

        assertThat(publisher.publish("/jobs/jobAbc", "{}").get()).isEqualTo(AppSyncPublisher.Result.REFUSED);
        assertThat(published).isEmpty();
    }

    @Test
    void noAnswerWithinTheBoundIsAFailureNotAnException() throws Exception {
        AppSyncPublisher publisher = publisher("/slow", StaticCredentialsProvider.create(CREDENTIALS),
                Duration.ofMillis(300));

        assertThat(publisher.publish("/jobs/jobAbc", "{}").get()).isEqualTo(AppSyncPublisher.Result.FAILED);
    }

    @Test
    void missingCredentialsAreAFailureNotAnException() throws Exception {
        AppSyncPublisher publisher = publisher("", () -> {
            throw new IllegalStateException("no credentials here");
        });

        assertThat(publisher.publish("/jobs/jobAbc", "{}").get()).isEqualTo(AppSyncPublisher.Result.FAILED);
    }

    @Test
    void theEndpointIsTheHttpDomainsEventPath() {
        assertThat(AppSyncPublisher.endpoint("abc.appsync-api.eu-west-1.amazonaws.com"))
                .isEqualTo(URI.create("https://abc.appsync-api.eu-west-1.amazonaws.com/event"));
        assertThat(AppSyncPublisher.endpoint("http://127.0.0.1:9/")).isEqualTo(URI.create("http://127.0.0.1:9/event"));
        assertThat(PushPublisher.region(java.util.Optional.empty(), null, "abc.appsync-api.eu-west-1.amazonaws.com"))
                .contains("eu-west-1");
        assertThat(PushPublisher.region(java.util.Optional.empty(), "us-east-2",
                "abc.appsync-api.eu-west-1.amazonaws.com"))
                .contains("us-east-2");
        assertThat(PushPublisher.region(java.util.Optional.of("ap-south-1"), "us-east-2", "push.example.com"))
                .contains("ap-south-1");
        assertThat(PushPublisher.region(java.util.Optional.empty(), null, "push.example.com")).isEmpty();
    }

    private AppSyncPublisher publisher(String path,
            software.amazon.awssdk.auth.credentials.AwsCredentialsProvider credentials) {
        return publisher(path, credentials, Duration.ofSeconds(3));
    }

    private AppSyncPublisher publisher(String path,
            software.amazon.awssdk.auth.credentials.AwsCredentialsProvider credentials, Duration bound) {
        // Generous for a loaded machine; the slow endpoint never answers, so its bound is what ends that publish.
        return new AppSyncPublisher(
                AppSyncPublisher.endpoint("http://127.0.0.1:" + server.getAddress().getPort() + path), "eu-west-1",
                credentials, bound, Executors.newCachedThreadPool(), JSON);
    }

    /** AppSync's side: verify the signature, then answer as its HTTP publish does. */
    private void appSync(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        boolean valid = "POST".equals(exchange.getRequestMethod()) && signatureIsValid(exchange, body);
        String answer = valid ? "{\"failed\":[],\"successful\":[{\"identifier\":\"e1\",\"index\":0}]}"
                : "{\"errors\":[{\"errorType\":\"UnauthorizedException\",\"message\":\"bad signature\"}]}";
        if (valid) {
            published.add(JSON.readTree(body));
        }
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(valid ? 200 : 401, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private static boolean signatureIsValid(HttpExchange exchange, byte[] body) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        String date = exchange.getRequestHeaders().getFirst("X-Amz-Date");
        if (authorization == null || date == null || !authorization.contains("/eu-west-1/appsync/aws4_request")) {
            return false;
        }
        Matcher signed = SIGNED_HEADERS.matcher(authorization);
        if (!signed.find()) {
            return false;
        }
        SdkHttpRequest.Builder request = SdkHttpRequest.builder().method(SdkHttpMethod.POST)
                .uri(URI.create("http://" + exchange.getRequestHeaders().getFirst("Host") + exchange.getRequestURI()));
        for (String name : List.of(signed.group(1).split(";"))) {
            if (!name.equals("x-amz-date")) {
                request.putHeader(name, exchange.getRequestHeaders().getFirst(name));
            }
        }
        Instant at = java.time.LocalDateTime.parse(date, AMZ_DATE.withZone(null)).toInstant(ZoneOffset.UTC);
        String expected = AwsV4HttpSigner.create().sign(sign -> sign.identity(CREDENTIALS)
                .request(request.build())
                .payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "appsync")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "eu-west-1")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)))
                .request().firstMatchingHeader("Authorization").orElse("");
        return expected.equals(authorization);
    }
}
