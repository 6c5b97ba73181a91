package dev.jobgateway.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.jobgateway.devservices.LocalRedisProvider;
import dev.jobgateway.devservices.Resp;
import dev.jobgateway.support.TestPorts;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.common.annotation.Identifier;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * The connection requests share, against a real Redis: a connection given up is closed, never lent to the next
 * command; more commands at once than the connection pipelines wait their turn instead of failing.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@Tag("standalone-only")
class SharedConnectionTest {

    @Inject
    SharedConnection shared;

    @Inject
    RedisDataSource redis;

    @Inject
    @Identifier("local-redis")
    LocalRedisProvider localRedis;

    /**
     * A command left unanswered (here a BLPOP that blocks, as a half-open socket would) gives the connection up;
     * given back to the pool, the next borrower's commands would queue behind it.
     */
    @Test
    void aConnectionGivenUpIsClosedNotLentToTheNextCommand() throws Exception {
        String id = send(Request.cmd(Command.CLIENT).arg("ID")).toString();

        assertThatThrownBy(() -> send(Request.cmd(Command.BLPOP).arg("test:shared:never").arg("0")))
                .isInstanceOf(java.util.concurrent.TimeoutException.class);

        try {
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                    .until(() -> !clientList().contains("id=" + id + " "));
            // Every pooled connection answers at once: none of them is the blocked one.
            List<CompletableFuture<Object>> pings = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                pings.add(CompletableFuture.supplyAsync(() -> redis.execute("PING").toString()));
            }
            for (CompletableFuture<Object> ping : pings) {
                assertThat(ping.get(1, TimeUnit.SECONDS)).isEqualTo("PONG");
            }
            assertThat(send(Request.cmd(Command.PING)).toString()).isEqualTo("PONG");
        } finally {
            Resp.once(localRedis.server().port(), "LPUSH", "test:shared:never", "unblock");
            Resp.once(localRedis.server().port(), "DEL", "test:shared:never");
        }
    }

    /**
     * Many more than the connection's 2,048 pipelined commands at once, while Redis holds its answers back for a
     * moment (as a busy Redis would): they all get their answer.
     */
    @Test
    void moreCommandsAtOnceThanTheConnectionPipelinesAllGetTheirAnswer() throws Exception {
        int commands = 6_000;
        send(Request.cmd(Command.PING));
        Resp.once(localRedis.server().port(), "CLIENT", "PAUSE", "500");
        List<CompletableFuture<Response>> answers = new ArrayList<>();
        for (int i = 0; i < commands; i++) {
            answers.add(StoreErrors.guard(Duration.ofSeconds(10),
                    shared.send(Request.cmd(Command.HGETALL).arg("test:shared:absent:" + i)))
                    .subscribeAsCompletionStage());
        }
        int failed = 0;
        String firstFailure = null;
        for (CompletableFuture<Response> answer : answers) {
            try {
                answer.get(20, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                failed++;
                firstFailure = firstFailure == null ? e.getCause().toString() : firstFailure;
            }
        }
        assertThat(failed).as("commands failed, the first with %s", firstFailure).isZero();
    }

    private Response send(Request request) throws Exception {
        try {
            return shared.send(request).subscribeAsCompletionStage().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    private String clientList() {
        return Resp.once(localRedis.server().port(), "CLIENT", "LIST").toString();
    }
}
