package dev.jobgateway.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.jobgateway.devservices.LocalRedisServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A real S3-API server for tests: S3Proxy with its in-memory ("transient") backend, as its own java process on a free
 * port, from the self-contained jar the build copies to {@code target/s3proxy} (in the tests' class path its Jetty
 * and Jackson would meet Quarkus' own). It can be stopped and started again on the same port, empty, to make an S3
 * outage.
 */
public final class S3TestServer implements AutoCloseable {

    public static final String BUCKET = "gateway-test-outputs";
    public static final String ACCESS_KEY = "test-access-key";
    public static final String SECRET_KEY = "test-secret-key";
    public static final String REGION = "us-east-1";

    private final int port;
    private final Path work;
    private Process process;

    private S3TestServer(int port, Path work) {
        this.port = port;
        this.work = work;
    }

    /** Starts S3Proxy on a free port with the test bucket in it. */
    public static S3TestServer start() {
        try {
            Path work = Files.createTempDirectory("s3proxy-");
            S3TestServer server = new S3TestServer(LocalRedisServer.freePort(), work);
            server.startAgain();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** Starts the (stopped) server again on its port, empty but for the test bucket. */
    public synchronized void startAgain() {
        if (process != null) {
            return;
        }
        Path jar = Path.of(System.getProperty("s3proxy.jar", "target/s3proxy/s3proxy-jar-with-dependencies.jar"));
        if (!Files.exists(jar)) {
            throw new IllegalStateException("No S3Proxy jar at " + jar + " (copied in process-test-resources)");
        }
        try {
            Path properties = work.resolve("s3proxy.properties");
            Files.writeString(properties, String.join("\n",
                    "s3proxy.endpoint=" + uri(),
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + ACCESS_KEY,
                    "s3proxy.credential=" + SECRET_KEY,
                    "jclouds.provider=transient",
                    "jclouds.identity=unused",
                    "jclouds.credential=unused",
                    "jclouds.regions=" + REGION,
                    ""));
            process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", jar.toString(),
                    "--properties", properties.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("s3proxy.log").toFile()))
                    .start();
            awaitListening(Duration.ofSeconds(30));
            try (S3Client s3 = client()) {
                s3.createBucket(b -> b.bucket(BUCKET));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the server (an S3 outage); {@link #startAgain} ends it. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    @Override
    public void close() {
        stop();
    }

    /** A client of this server with the test credentials. */
    public S3Client client() {
        return S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .region(Region.of(REGION))
                .endpointOverride(uri())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY,
                        SECRET_KEY)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .build();
    }

    /** The keys in the test bucket under {@code prefix}. */
    public List<String> keys(String prefix) {
        try (S3Client s3 = client()) {
            return s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(prefix)).contents().stream().map(S3Object::key)
                    .toList();
        }
    }

    /** Multipart uploads begun and neither completed nor aborted, under {@code prefix}. */
    public int unfinishedUploads(String prefix) {
        try (S3Client s3 = client()) {
            return s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(prefix)).uploads().size();
        }
    }

    /** Parts uploaded so far to the unfinished multipart uploads under {@code prefix}. */
    public int uploadedParts(String prefix) {
        try (S3Client s3 = client()) {
            return s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(prefix)).uploads().stream()
                    .mapToInt(upload -> s3.listParts(b -> b.bucket(BUCKET).key(upload.key())
                            .uploadId(upload.uploadId())).parts().size())
                    .sum();
        }
    }

    /** The settings that point a gateway at this server (as {@code gateway.outputs.*} properties). */
    public java.util.Map<String, String> gatewaySettings() {
        return java.util.Map.of(
                "gateway.outputs.enabled", "true",
                "gateway.outputs.bucket", BUCKET,
                "gateway.outputs.endpoint", uri().toString(),
                "gateway.outputs.path-style", "true",
                "gateway.outputs.region", REGION);
    }

    private void awaitListening(Duration atMost) {
        await("S3Proxy listening").atMost(atMost).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("S3Proxy exited; see " + work.resolve("s3proxy.log"));
                    }
                    try {
                        HttpURLConnection connection = (HttpURLConnection) uri().toURL().openConnection();
                        connection.setConnectTimeout(500);
                        connection.getResponseCode();
                        connection.disconnect();
                        return true;
                    } catch (IOException notYet) {
                        return false;
                    }
                });
    }
}
