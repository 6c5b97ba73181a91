package dev.jobgateway.outputs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.jobgateway.fallback.Sweeper;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.OutputStorageOn;
import dev.jobgateway.support.S3TestServer;
import dev.jobgateway.support.Simulate;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.Webhooks;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * Outputs an AI server (or whoever runs the model a caller picked) can make hostile, each in a signed success webhook:
 * the webhook is answered 200, the job succeeds, and the file ends as it should (refused, stored for download only,
 * cut off), never a 5xx that would make the sender retry for ever. A rebinding host is proven in
 * {@link SourceFetcherTest} (the name's answers are the test's own there). Sources are a local {@link SourceServer}.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@TestProfile(OutputStorageOn.class)
class HostileOutputsTest {

    private static final String OPAQUE = "application/octet-stream";

    private static SourceServer sources;

    @Inject
    RedisDataSource redis;

    @Inject
    Sweeper sweeper;

    /** One hostile output file and how it must end. */
    record Case(Function<SourceServer, String> url, String state, String reason, String storedType) {
    }

    @BeforeAll
    static void startSources() throws Exception {
        sources = SourceServer.start(Duration.ofMillis(100));
    }

    @AfterAll
    static void stopSources() throws Exception {
        sources.close();
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        String svg = "<svg xmlns='http://www.w3.org/2000/svg' onload='alert(document.domain)'/>";
        add(cases, "a data URL with a raw % (malformed)", s -> "data:image/svg+xml;utf8,<svg width='100%'>",
                "failed", "malformed data URL", null);
        add(cases, "a data URL with broken base64", s -> "data:image/png;base64,AAAA=AAAA", "failed",
                "invalid base64", null);
        add(cases, "a data URL without its comma", s -> "data:image/png;base64", "failed", "malformed data URL",
                null);
        add(cases, "an HTML data URL", s -> "data:text/html,<script>alert(document.domain)</script>", "stored",
                null, OPAQUE);
        add(cases, "an SVG data URL with script", s -> "data:image/svg+xml;base64," + Base64.getEncoder()
                .encodeToString(svg.getBytes(StandardCharsets.UTF_8)), "stored", null, OPAQUE);
        add(cases, "a data URL of a header-injecting type", s -> "data:image/png%0d%0aX-Evil:1;base64,AAEC",
                "stored", null, OPAQUE);
        add(cases, "an http source serving text/html", s -> s.url("/typed/" + enc("text/html; charset=utf-8")),
                "stored", null, OPAQUE);
        add(cases, "an http source serving image/svg+xml", s -> s.url("/typed/" + enc("image/svg+xml")), "stored",
                null, OPAQUE);
        add(cases, "an http source declaring more than the largest file", s -> s.url("/declares/"
                + (OutputStorageOn.MAX_FILE_BYTES + 1)), "failed", "larger than", null);
        add(cases, "an http source sending without end", s -> s.url("/endless"), "failed", "larger than", null);
        add(cases, "a PNG (the control)", s -> s.url("/png/2000"), "stored", null, "image/png");
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isAcceptedAndEndsAsItsFileShouldWithoutBlockingTheSuccess(String name, Case hostile) {
        String id = heldJob();

        Response webhook = succeed(id, "wh-" + id, "{\"images\":[{\"url\":\"" + hostile.url().apply(sources)
                .replace("\"", "\\\"") + "\"}]}");

        assertThat(webhook.statusCode()).as(webhook.asString()).isEqualTo(200);
        JsonPath job = awaitCopyEnded(id);
        assertThat(job.getString("status")).isEqualTo("succeeded");
        assertThat(job.getString("output_files[0].state")).isEqualTo(hostile.state());
        if (hostile.reason() != null) {
            assertThat(job.getString("output_files[0].reason")).contains(hostile.reason());
            // Not stored: a data URL's value is removed (its bytes never go into Redis), a source's URL is kept.
            String shown = job.getString("output.images[0].url");
            assertThat(shown).isEqualTo(hostile.url().apply(sources).startsWith("data:") ? null
                    : hostile.url().apply(sources));
        }
        if (hostile.storedType() != null) {
            String key = S3Keys.of(id).get(0);
            HeadObjectResponse head;
            try (S3Client s3 = s3().client()) {
                head = s3.headObject(b -> b.bucket(S3TestServer.BUCKET).key(key));
            }
            assertThat(head.contentType()).isEqualTo(hostile.storedType());
            assertThat(job.getString("output_files[0].content_type")).isEqualTo(hostile.storedType());
            if (OPAQUE.equals(hostile.storedType())) {
                assertThat(head.contentDisposition()).isEqualTo("attachment");
            } else {
                assertThat(head.contentDisposition()).isNull();
            }
        } else {
            assertThat(S3Keys.of(id)).isEmpty();
        }
    }

    @Test
    void tricklingSourcesAreCutOffAtTheAttemptsDeadlineAndTheAttemptIsCountedAsItStarts() {
        String id = heldJob();
        String url = sources.url("/trickle-headers");

        assertThat(succeed(id, "wh-" + id, "{\"images\":[{\"url\":\"" + url + "\"},{\"url\":\"" + url
                + "?2\"},{\"url\":\"" + url + "?3\"}]}").statusCode()).isEqualTo(200);

        // While the first attempt is still reading the trickle, it has been counted already: an instance killed now
        // (a Lambda invocation cut off at its timeout) has still used up one attempt.
        await().atMost(Duration.ofSeconds(10)).until(() -> sources.requests("/trickle-headers") > 0);
        assertThat(redis.hash(String.class).hget("jobgw:job:{" + id + "}", "output_attempts")).isEqualTo("1");

        await().atMost(Duration.ofSeconds(20)).until(() -> Jobs.events(id).getList("events.type")
                .contains("output_copy_failed"));
        JsonPath failed = Jobs.events(id);
        int ms = failed.getInt("events.find { it.type == 'output_copy_failed' }.details.duration_ms");
        // job-timeout is 6 s in the profile: three files together, not three times a file's time.
        assertThat(ms).isBetween(5_000, 8_500);
        assertThat(failed.getString("events.find { it.type == 'output_copy_failed' }.details.error"))
                .contains("timeout");
        assertThat(Jobs.get(id).getString("status")).isEqualTo("succeeded");
    }

    @Test
    void aCopyWhoseAttemptsWereAllCutOffEndsFailedInsteadOfStayingPendingForEver() {
        String id = heldJob();
        // As if the copy had been started 12 times (the profile's max-attempts) and cut off each time: the count is
        // all that such attempts leave.
        String job = "jobgw:job:{" + id + "}";
        redis.execute("SET", job + ":check", "1", "PX", "30000");
        assertThat(succeed(id, "wh-" + id, "{\"images\":[{\"url\":\"" + sources.url("/png/100") + "\"}]}")
                .statusCode()).isEqualTo(200);
        redis.hash(String.class).hset(job, "output_attempts", "12");
        redis.execute("DEL", job + ":check");

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
            sweeper.sweep().await().atMost(Duration.ofSeconds(10));
            return !"pending".equals(Jobs.get(id).getString("output_storage"));
        });

        JsonPath ended = Jobs.get(id);
        assertThat(ended.getString("output_storage")).isEqualTo("failed");
        assertThat(ended.getString("output_files[0].reason")).contains("gave up after 12 attempts");
        assertThat(sources.requests("/png/100")).isZero();
    }

    @Test
    void onlyTheFirstMaxFilesAreCopiedAndTheRestAreListedAsSkipped() {
        String id = heldJob();
        StringBuilder images = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            images.append("{\"url\":\"").append(sources.url("/png/" + (300 + i))).append("\"},");
        }
        images.append("{\"url\":\"data:image/png;base64,AAECAw==\"}");

        assertThat(succeed(id, "wh-" + id, "{\"images\":[" + images + "]}").statusCode()).isEqualTo(200);

        JsonPath job = awaitCopyEnded(id);
        assertThat(job.getString("output_storage")).isEqualTo("stored");
        assertThat(job.getList("output_files.state")).containsExactly("stored", "stored", "stored", "stored",
                "skipped", "skipped", "skipped");
        assertThat(job.getString("output_files[4].reason")).contains("gateway.outputs.max-files");
        assertThat(job.getString("output_files[4].source_url")).isEqualTo(sources.url("/png/304"));
        assertThat(job.getString("output.images[4].url")).isEqualTo(sources.url("/png/304"));
        // A data URL past the cap is not copied, and its bytes are not kept either.
        assertThat(job.get("output.images[6].url") == null).isTrue();
        assertThat(sources.requests("/png/304")).isZero();
        assertThat(S3Keys.of(id)).hasSize(OutputStorageOn.MAX_FILES);
    }

    /** A queued job that its simulated AI server holds (no webhooks): the test's webhook finishes it. */
    static String heldJob() {
        return Jobs.submit(Simulate.webhookDropped().durationMs(600_000).progressSteps(0).input())
                .getString("id");
    }

    private static Response succeed(String id, String webhookId, String output) {
        return Webhooks.toJob(id, webhookId, Webhooks.body(Webhooks.externalId(id), "succeeded", "\"output\":"
                + output));
    }

    private static JsonPath awaitCopyEnded(String id) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            JsonPath job = Jobs.get(id);
            return "succeeded".equals(job.getString("status")) && !"pending".equals(job.getString(
                    "output_storage"));
        });
        return Jobs.get(id);
    }

    private static S3TestServer s3() {
        return OutputStorageOn.Resource.server();
    }

    private static String enc(String type) {
        return URLEncoder.encode(type, StandardCharsets.UTF_8);
    }

    private static void add(List<Arguments> cases, String name, Function<SourceServer, String> url, String state,
            String reason, String storedType) {
        cases.add(Arguments.of(name, new Case(url, state, reason, storedType)));
    }

    /** The keys of a job's copies in the test bucket. */
    static final class S3Keys {

        private S3Keys() {
        }

        static List<String> of(String id) {
            return OutputStorageOn.Resource.server().keys("outputs/" + id + "/");
        }
    }
}
