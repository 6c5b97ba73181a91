package dev.jobgateway.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.jobgateway.devservices.LocalRedisProvider;
import dev.jobgateway.job.Job;
import dev.jobgateway.job.JobRecords;
import dev.jobgateway.job.JobStatus;
import dev.jobgateway.job.Reports;
import dev.jobgateway.support.Api;
import dev.jobgateway.support.RedisCommandStats;
import dev.jobgateway.support.StoredJobs;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.waiting.ChangeFeed;
import dev.jobgateway.waiting.WaiterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.subscription.Cancellable;

/**
 * Long-polls against real Redis. Waits are started through {@link ReadJobs} because the Lambda test loop
 * serves one event at a time: a held HTTP request would block the change that should end it. Cross-instance
 * waits over HTTP are proven with two real processes in {@code TwoInstancesIT}.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@org.junit.jupiter.api.Tag("cluster")
class WaitTest {

    private static final String OWNER = Api.DEV_OWNER;

    @Inject
    ReadJobs reads;

    @Inject
    JobRecords jobs;

    @Inject
    Reports reports;

    @Inject
    WaiterRegistry registry;

    @Inject
    ChangeFeed feed;

    @Inject
    RedisDataSource redis;

    @Inject
    @Identifier("local-redis")
    LocalRedisProvider localRedis;

    @AfterEach
    void everyWaiterIsGone() {
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.size() == 0 && registry.keys() == 0);
    }

    @Test
    void aWaitEndsTheMomentAnotherWriterCompletesTheJob() throws Exception {
        String id = newJob();
        CompletableFuture<Job> answer = startWait(id, Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.size() == 1);

        long completed = System.nanoTime();
        complete(id);
        Job job = answer.get(5, TimeUnit.SECONDS);
        long wakeUpMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - completed);

        assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(wakeUpMs).as("wake-up after the change, in ms").isLessThan(1_000);
    }

    @Test
    void aWaitOnAFinishedJobAnswersAtOnceOverHttp() {
        String id = newJob();
        complete(id);

        long started = System.nanoTime();
        given().when().get("/jobs/" + id + "?wait=20")
                .then().statusCode(200).body("status", equalTo("succeeded"));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(5_000);
    }

    @Test
    void aWaitThatRunsOutAnswersTheCurrentStateAndAcknowledgesPrefer() {
        String id = newJob();

        long started = System.nanoTime();
        given().header("Prefer", "wait=1").when().get("/jobs/" + id)
                .then().statusCode(200)
                .header("Preference-Applied", "wait=1")
                .header("ETag", "\"1\"")
                .body("status", equalTo("queued"))
                .body("poll_after_ms", equalTo(1500));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(tookMs).isBetween(900L, 5_000L);
    }

    @Test
    @org.junit.jupiter.api.Tag("standalone-only")
    void aKilledSubscriberConnectionIsReplacedAndTheWaitStillEnds() throws Exception {
        String first = newJob();
        CompletableFuture<Job> answer = startWait(first, Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.size() == 1 && feed.subscribed());
        long subscriptions = feed.subscriptions();

        redis.execute("CLIENT", "KILL", "TYPE", "pubsub");
        // The change lands while the subscription is down: its notice is lost, the re-read on resubscribe finds it.
        complete(first);

        assertThat(answer.get(5, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.SUCCEEDED);
        await().atMost(Duration.ofSeconds(5)).until(() -> feed.subscribed() && feed.subscriptions() > subscriptions);

        // And the new subscription wakes the next wait promptly, not by a periodic re-read.
        String second = newJob();
        CompletableFuture<Job> next = startWait(second, Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.size() == 1);
        long completed = System.nanoTime();
        complete(second);
        assertThat(next.get(5, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - completed)).isLessThan(1_000);
    }

    @Test
    void theRegistryEmptiesAfterThousandsOfWaitsThatEndEveryWay() throws Exception {
        int rounds = 2_000;
        List<String> ids = new ArrayList<>();
        List<CompletableFuture<Job>> answered = new ArrayList<>();
        List<Cancellable> abandoned = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            String id = newJob();
            ids.add(id);
            switch (i % 3) {
                case 0 -> answered.add(startWait(id, Duration.ofSeconds(20)));
                case 1 -> answered.add(startWait(id, Duration.ofMillis(300)));
                default -> abandoned.add(reads.await(OWNER, id, Duration.ofSeconds(20)).subscribe()
                        .with(job -> {
                        }, failure -> {
                        }));
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.size() >= rounds * 2 / 3 - 10);
        // What a client disconnect does to a held request: its subscription is cancelled.
        abandoned.forEach(Cancellable::cancel);
        for (int i = 0; i < rounds; i += 3) {
            complete(ids.get(i));
        }
        for (CompletableFuture<Job> answer : answered) {
            answer.get(20, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.size() == 0);
        assertThat(registry.keys()).isZero();
    }

    @Test
    @org.junit.jupiter.api.Tag("standalone-only")
    void aThousandConcurrentWaitsShareThePoolConnectionsAndAllEnd() throws Exception {
        int waits = 1_000;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < waits / 5; i++) {
            ids.add(newJob());
        }
        List<CompletableFuture<Job>> answers = new ArrayList<>();
        for (int i = 0; i < waits; i++) {
            answers.add(startWait(ids.get(i % ids.size()), Duration.ofSeconds(20)));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.size() == waits);

        long connections = redisConnections();
        ids.forEach(this::complete);
        for (CompletableFuture<Job> answer : answers) {
            assertThat(answer.get(10, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.SUCCEEDED);
        }
        long afterWakeUp = redisConnections();

        System.out.printf("[measure] %d concurrent waits: %d Redis connections while held, %d after wake-up%n",
                waits, connections, afterWakeUp);
        // The configured pool (6), the shared connection and the change-feed subscriber, whatever the number of waits.
        assertThat(connections).isLessThanOrEqualTo(8);
        assertThat(afterWakeUp).isLessThanOrEqualTo(8);
    }

    /**
     * Thousands of held reads of one job (a shared link opened by many browsers): every one of them is answered with
     * the finished job, none fails, and the change costs a handful of Redis reads, not one per waiter: the waiters of
     * a job share one read per change.
     */
    @Test
    void fiveThousandWaitsOnOneJobAllEndWithTheChangeWhichCostsAHandfulOfReads() throws Exception {
        int waits = 5_000;
        String id = newJob();
        List<CompletableFuture<Job>> answers = new ArrayList<>();
        for (int i = 0; i < waits; i++) {
            answers.add(startWait(id, Duration.ofSeconds(20)));
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> registry.size() == waits || answers.stream()
                .anyMatch(CompletableFuture::isDone));
        assertThat(answers.stream().filter(CompletableFuture::isDone).count())
                .as("waits ended before the change, the first with %s", firstFailure(answers)).isZero();
        await().atMost(Duration.ofSeconds(5)).until(feed::subscribed);
        RedisCommandStats stats = new RedisCommandStats(localRedis);
        long readsBefore = stats.calls("hgetall");

        complete(id);
        for (CompletableFuture<Job> answer : answers) {
            assertThat(answer.get(10, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.SUCCEEDED);
        }
        long reads = stats.calls("hgetall") - readsBefore;

        System.out.printf("[measure] %d waits on one job: %d Redis reads (HGETALL) for the change%n", waits, reads);
        assertThat(reads).as("Redis reads the change caused").isLessThanOrEqualTo(5);
    }

    private static String firstFailure(List<CompletableFuture<Job>> answers) {
        for (CompletableFuture<Job> answer : answers) {
            if (answer.isCompletedExceptionally()) {
                try {
                    answer.join();
                } catch (RuntimeException e) {
                    return e.getCause() == null ? e.toString() : e.getCause().toString();
                }
            }
        }
        return "none";
    }

    private long redisConnections() {
        String clients = redis.execute("CLIENT", "LIST").toString();
        return clients.lines().filter(line -> line.contains("addr=")).count();
    }

    private CompletableFuture<Job> startWait(String id, Duration wait) {
        return reads.await(OWNER, id, wait).subscribeAsCompletionStage();
    }

    private String newJob() {
        return StoredJobs.queued(jobs, OWNER);
    }

    private void complete(String id) {
        assertThat(StoredJobs.succeed(reports, id).applied()).isTrue();
    }
}
