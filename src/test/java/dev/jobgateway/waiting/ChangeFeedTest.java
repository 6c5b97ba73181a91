package dev.jobgateway.waiting;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.jobgateway.devservices.LocalRedisCluster;
import dev.jobgateway.devservices.LocalRedisProvider;
import dev.jobgateway.devservices.Resp;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.TestPorts;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;

/**
 * The change feed, on one Redis server and (tier "cluster") on a Redis Cluster: a first read never waits for it, it
 * holds exactly one subscription on one connection of its own, replaces that connection when it is lost or stops
 * answering, and waiters keep waking. Waits here are driven through {@link Waits} on a key of the test's own, woken
 * by a notice on the changes channel in the format the transition script publishes ({@code "<id> <version>
 * <status>"}), so that they test the feed and not the job code around it.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@Tag("cluster")
class ChangeFeedTest {

    @Inject
    Waits waits;

    @Inject
    WaiterRegistry registry;

    @Inject
    ChangeFeed feed;

    @Inject
    ReactiveRedisDataSource reactiveRedis;

    @Inject
    @Identifier("local-redis")
    LocalRedisProvider localRedis;

    @ConfigProperty(name = "gateway.jobs.changes-channel")
    String channel;

    @AfterEach
    void everyWaiterIsGone() {
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.size() == 0);
    }

    @Test
    void aWaitOnAFinishedJobAnswersAtOnceEvenRightAfterTheFeedWasLost() {
        List<Long> tookMs = new ArrayList<>();
        for (int round = 0; round < 8; round++) {
            String id = Jobs.submit(Jobs.simulate(Map.of("duration_ms", 0, "progress_steps", 0))).getString("id");
            Jobs.awaitTerminal(id);
            if (round % 2 == 1) {
                // The feed must subscribe again: the wait must not depend on how soon that succeeds.
                killClients("pubsub");
            }
            long started = System.nanoTime();
            given().when().get("/jobs/" + id + "?wait=20").then().statusCode(200).body("status", equalTo("succeeded"));
            tookMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        }
        System.out.printf("[measure] %s: wait on a finished job over HTTP (ms), 8 rounds, every other one right after "
                + "the feed's connection was killed: %s%n", redisKind(), tookMs);
        // The feed's old grace period was 1 s; a read of a finished job takes milliseconds.
        assertThat(Collections.max(tookMs)).isLessThan(500);
    }

    @Test
    void aChangeWakesAWaitWithinMilliseconds() throws Exception {
        List<Long> wakeUpsMs = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
            String id = "job_feedtest_" + round + "_" + System.nanoTime();
            CompletableFuture<String> waiting = waitUntilDone(id, Duration.ofSeconds(20));
            await().atMost(Duration.ofSeconds(5)).until(() -> registry.size() == 1 && feed.subscribed());
            long changed = System.nanoTime();
            change(id);
            assertThat(waiting.get(5, TimeUnit.SECONDS)).isEqualTo("done");
            wakeUpsMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - changed));
        }
        Collections.sort(wakeUpsMs);
        System.out.printf("[measure] %s: change -> waiter answered (ms), 20 rounds: p50=%d max=%d%n", redisKind(),
                wakeUpsMs.get(10), wakeUpsMs.get(19));
        // Well under the 5 s safety re-read: woken by the notice, not by a periodic read.
        assertThat(wakeUpsMs.get(19)).isLessThan(1_000);
    }

    @Test
    void aLostSubscriberConnectionIsReplacedByExactlyOneSubscriptionAndWaitersStillWake() throws Exception {
        String first = "job_feedtest_kill_" + System.nanoTime();
        CompletableFuture<String> waiting = waitUntilDone(first, Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.size() == 1 && feed.subscribed());
        long subscriptions = feed.subscriptions();

        killClients("pubsub");
        await().atMost(Duration.ofSeconds(10)).until(() -> feed.subscribed() && feed.subscriptions() > subscriptions);
        // What an idle timeout or a network blip does to every other connection the instance has: it must not make
        // the feed subscribe again while its own connection still stands.
        killClients("normal");
        long resubscribed = feed.subscriptions();
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> feed.subscriptions() == resubscribed);

        assertThat(subscribers()).as("subscriptions to %s on the server(s)", channel).isEqualTo(1);
        // The notice of a change made while the feed was down is gone; the re-read on resubscribing found it, or
        // this one wakes it.
        change(first);
        assertThat(waiting.get(5, TimeUnit.SECONDS)).isEqualTo("done");

        String second = "job_feedtest_after_kill_" + System.nanoTime();
        CompletableFuture<String> next = waitUntilDone(second, Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.size() == 1);
        long changed = System.nanoTime();
        change(second);
        assertThat(next.get(5, TimeUnit.SECONDS)).isEqualTo("done");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - changed)).isLessThan(1_000);
        assertThat(subscribers()).isEqualTo(1);
    }

    /**
     * A node that keeps the connection open but answers nothing (a half-open socket after a Lambda thaw, a hung host)
     * must not keep the feed: its PING goes unanswered and it moves to another node. CLIENT PAUSE blocks the PING
     * but not the cluster bus, so no failover muddles this.
     */
    @Test
    @Tag("cluster-only")
    void aFeedWhoseNodeStopsAnsweringMovesToAnotherNodeAndWaitersStillWake() throws Exception {
        LocalRedisCluster cluster = localRedis.cluster().orElseThrow();
        String opener = "job_feedtest_open_" + System.nanoTime();
        CompletableFuture<String> opened = waitUntilDone(opener, Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(5)).until(() -> feed.subscribed());
        change(opener);
        opened.get(5, TimeUnit.SECONDS);
        // The cluster client refreshes its slot map from the first seed, with no timeout: were that node to hang,
        // every command would (a limit of the Redis client, docs/deploy.md). The feed is moved off it for this test.
        int firstSeed = localRedis.ports().get(0);
        while (subscriberNode() == firstSeed) {
            long before = feed.subscriptions();
            killClients("pubsub");
            await().atMost(Duration.ofSeconds(5)).until(() -> feed.subscribed() && feed.subscriptions() > before);
        }
        int feedNode = subscriberNode();
        String id;
        do {
            id = "job_feedtest_pause_" + System.nanoTime();
        } while (cluster.masterFor(key(id)) == feedNode); // a key the paused node does not serve
        CompletableFuture<String> waiting = waitUntilDone(id, Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.size() == 1);
        long subscriptions = feed.subscriptions();

        // Found out within a PING interval (1 s in tests) plus the answer timeout (2 s).
        Resp.once(feedNode, "CLIENT", "PAUSE", "5000", "ALL");
        try {
            await().atMost(Duration.ofMillis(4_500)).until(() -> feed.subscribed()
                    && feed.subscriptions() > subscriptions);
            long changed = System.nanoTime();
            change(id);
            assertThat(waiting.get(5, TimeUnit.SECONDS)).isEqualTo("done");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - changed)).isLessThan(1_000);
            assertThat(subscriberNode(feedNode)).as("the feed's node now").isNotEqualTo(feedNode);
        } finally {
            // CLIENT UNPAUSE would be paused too (Redis 6.2): the pause runs out by itself.
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                    .until(() -> "PONG".equals(Resp.once(feedNode, "PING")));
        }
    }

    /** Waits until the test's key says "done"; the key's hash tag is the id, as a job's keys are. */
    private CompletableFuture<String> waitUntilDone(String id, Duration wait) {
        Uni<String> answer = waits.until(Set.of(id), wait,
                reads -> reads.read(id,
                        () -> reactiveRedis.value(String.class).get(key(id)).map(value -> value == null ? "" : value)),
                "done"::equals);
        return answer.subscribeAsCompletionStage();
    }

    /** What a transition does, on the node that owns the key: the write, then the notice. */
    private void change(String id) {
        int owner = localRedis.cluster().map(cluster -> cluster.masterFor(key(id)))
                .orElseGet(() -> localRedis.ports().get(0));
        Resp.once(owner, "SET", key(id), "done");
        Resp.once(owner, "PUBLISH", channel, id + " 2 succeeded");
    }

    private static String key(String id) {
        return "jobgw:test:{" + id + "}";
    }

    /** Kills every client of a type on every node (the feed's connection is type pubsub). */
    private void killClients(String type) {
        for (int port : localRedis.ports()) {
            Resp.once(port, "CLIENT", "KILL", "TYPE", type);
        }
    }

    /** Subscribers of the changes channel over all nodes: PUBSUB NUMSUB counts only a node's own. */
    private long subscribers() {
        long total = 0;
        for (int port : localRedis.ports()) {
            List<?> reply = (List<?>) Resp.once(port, "PUBSUB", "NUMSUB", channel);
            total += (Long) reply.get(1);
        }
        return total;
    }

    /** The node holding the (one) subscriber connection. */
    private int subscriberNode() {
        return subscriberNode(-1);
    }

    private int subscriberNode(int paused) {
        List<Integer> nodes = new ArrayList<>();
        for (int port : localRedis.ports()) {
            if (port == paused) {
                continue;
            }
            List<?> reply = (List<?>) Resp.once(port, "PUBSUB", "NUMSUB", channel);
            if ((Long) reply.get(1) > 0) {
                nodes.add(port);
            }
        }
        assertThat(nodes).hasSize(1);
        return nodes.get(0);
    }

    private static String redisKind() {
        return LocalRedisProvider.clusterMode() ? "Redis Cluster" : "one Redis server";
    }
}
