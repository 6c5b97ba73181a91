package dev.jobgateway.outputs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.jobgateway.job.Arrival;
import dev.jobgateway.job.JobRecords;
import dev.jobgateway.job.Report;
import dev.jobgateway.job.Reports;
import dev.jobgateway.job.TransitionResult;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.OutputStorageOn;
import dev.jobgateway.support.RealTime;
import dev.jobgateway.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * A success's data URLs are uploaded before the success is stored, and another change may be stored in between: a
 * cancel, or a second success (a duplicate report by another path). Whoever wins, the bucket must hold exactly the
 * winner's files: nothing a losing report uploaded, and never a loser's bytes under the winner's key. Reports are
 * applied here in-process, at the same time (requests through the test's Lambda handler go one at a time).
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@TestProfile(OutputStorageOn.class)
class DataUrlRaceTest {

    private static final int ROUNDS = 6;

    @Inject
    Reports reports;

    @Inject
    JobRecords jobs;

    @Test
    void twoSuccessesWithDifferentDataUrlsLeaveExactlyTheWinnersBytesInTheBucket() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            String id = HostileOutputsTest.heldJob();
            byte[] first = image(200_000, (byte) 1);
            byte[] second = image(200_000, (byte) 2);

            CompletableFuture<TransitionResult> a = apply(id, "race-a-" + round, first);
            CompletableFuture<TransitionResult> b = apply(id, "race-b-" + round, second);
            TransitionResult resultA = a.get(30, TimeUnit.SECONDS);
            TransitionResult resultB = b.get(30, TimeUnit.SECONDS);

            assertThat(resultA.applied() ^ resultB.applied()).as("exactly one success applied").isTrue();
            byte[] winner = resultA.applied() ? first : second;
            JsonPath job = Jobs.get(id);
            assertThat(HostileOutputsTest.S3Keys.of(id)).as("round %d: the bucket holds the winner's copy only", round)
                    .containsExactly(job.getString("output_files[0].url").replaceAll("^.*?/outputs/", "outputs/")
                            .replaceAll("\\?.*$", ""));
            assertThat(fetch(job.getString("output.images[0].url"))).as("round %d: the winner's bytes", round)
                    .isEqualTo(winner);
        }
    }

    @Test
    void aCancelThatWinsLeavesNoCopyOfTheLosingSuccessesDataUrl() throws Exception {
        int cancelled = 0;
        for (int round = 0; round < ROUNDS * 2; round++) {
            String id = HostileOutputsTest.heldJob();
            CompletableFuture<TransitionResult> success = apply(id, "race-s-" + round, image(300_000, (byte) 3));
            // Real time is the point: a random stagger, so the cancel lands at different moments of the copy.
            RealTime.passMillis(ThreadLocalRandom.current().nextInt(0, 30));
            jobs.cancel(id, jobs.event().put("by", "race test")).await().atMost(Duration.ofSeconds(10));
            success.get(30, TimeUnit.SECONDS);

            JsonPath job = Jobs.get(id);
            if (job.getString("status").equals("cancelled")) {
                cancelled++;
                assertThat(HostileOutputsTest.S3Keys.of(id)).as("round %d: copies of a job that was cancelled",
                        round).isEmpty();
            } else {
                assertThat(HostileOutputsTest.S3Keys.of(id)).hasSize(1);
            }
        }
        assertThat(cancelled).as("rounds the cancel won (the race this test is about)").isPositive();
    }

    /** Applies, on another thread, a success report whose output is {@code bytes} as a data URL. */
    private CompletableFuture<TransitionResult> apply(String id, String webhookId, byte[] bytes) {
        String output = "{\"images\":[{\"url\":\"data:image/png;base64," + Base64.getEncoder().encodeToString(bytes)
                + "\"}]}";
        Report report = Report.succeeded("succeeded", output);
        Arrival.Webhook arrival = new Arrival.Webhook(webhookId, Long.toString(Instant.now().getEpochSecond()),
                Arrival.Authentication.SIGNATURE, null);
        return CompletableFuture.supplyAsync(() -> reports.apply(id, report, arrival).await()
                .atMost(Duration.ofSeconds(30)));
    }

    /** A PNG-looking file of {@code size} bytes, all of them {@code fill} after the signature. */
    private static byte[] image(int size, byte fill) {
        byte[] bytes = SourceServer.png(size);
        for (int i = 8; i < size; i++) {
            bytes[i] = fill;
        }
        return bytes;
    }

    private static byte[] fetch(String url) throws Exception {
        HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
        assertThat(connection.getResponseCode()).as("GET " + url).isEqualTo(200);
        try (InputStream in = connection.getInputStream()) {
            return in.readAllBytes();
        }
    }
}
