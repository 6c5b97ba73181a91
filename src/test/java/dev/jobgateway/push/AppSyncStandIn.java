package dev.jobgateway.push;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;

/**
 * A local stand-in for an AppSync Event API's HTTP publish ({@code POST /event}) that checks each request's SigV4
 * signature the way AWS does: it signs the request it received again with the AWS SDK's own signer (the expected
 * credentials and region, the request's own date and signed headers) and compares. Valid publishes are kept and
 * answered as AppSync answers; others get 401. {@code /slow/event} never answers.
 */
final class AppSyncStandIn implements AutoCloseable {

    static final String ACCESS_KEY = "AKIDPUSHTEST";
    static final String SECRET_KEY = "push-test-secret-key-0000000000000000000";
    static final String REGION = "eu-west-1";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final Pattern SIGNED_HEADERS = Pattern.compile("SignedHeaders=([^,]+)");

    private final HttpServer server;
    private final AwsBasicCredentials credentials = AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY);
    private final ConcurrentLinkedQueue<JsonNode> published = new ConcurrentLinkedQueue<>();
    private final AtomicInteger refused = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);

    AppSyncStandIn() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/event", this::publish);
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

    /** What {@code gateway.push.appsync.http-domain} is set to for this stand-in. */
    String domain() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The bodies of the validly signed publishes, in arrival order. */
    List<JsonNode> published() {
        return List.copyOf(published);
    }

    int refused() {
        return refused.get();
    }

    private void publish(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        boolean valid = "POST".equals(exchange.getRequestMethod()) && signatureIsValid(exchange, body);
        String answer = valid ? "{\"failed\":[],\"successful\":[{\"identifier\":\"e1\",\"index\":0}]}"
                : "{\"errors\":[{\"errorType\":\"UnauthorizedException\",\"message\":\"bad signature\"}]}";
        if (valid) {
            published.add(JSON.readTree(body));
        } else {
            refused.incrementAndGet();
        }
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(valid ? 200 : 401, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private boolean signatureIsValid(HttpExchange exchange, byte[] body) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        String date = exchange.getRequestHeaders().getFirst("X-Amz-Date");
        if (authorization == null || date == null || !authorization.contains("/" + REGION + "/appsync/aws4_request")) {
            return false;
        }
        Matcher signed = SIGNED_HEADERS.matcher(authorization);
        if (!signed.find()) {
            return false;
        }
        SdkHttpRequest.Builder request = SdkHttpRequest.builder().method(SdkHttpMethod.POST)
                .uri(URI.create("http://" + exchange.getRequestHeaders().getFirst("Host") + exchange.getRequestURI()));
        for (String name : signed.group(1).split(";")) {
            if (!name.equals("x-amz-date")) {
                request.putHeader(name, exchange.getRequestHeaders().getFirst(name));
            }
        }
        Instant at = LocalDateTime.parse(date, AMZ_DATE).toInstant(ZoneOffset.UTC);
        String expected = AwsV4HttpSigner.create().sign(sign -> sign.identity(credentials)
                .request(request.build())
                .payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "appsync")
                .putProperty(AwsV4HttpSigner.REGION_NAME, REGION)
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)))
                .request().firstMatchingHeader("Authorization").orElse("");
        return expected.equals(authorization);
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
    }
}
