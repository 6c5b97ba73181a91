package dev.jobgateway.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.devservices.Resp;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.redis.client.RedisOptions;

/**
 * The shared connection configured with a password Redis refuses ({@code WRONGPASS}): a misconfiguration, yet a 503 to
 * callers (senders retry), and once Redis and the setting agree (here Redis is given the gateway's password) the
 * same connection object serves, without a restart. A real Redis with {@code requirepass}.
 */
class SharedConnectionCredentialsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private LocalRedisServer redis;
    private Vertx vertx;
    private SharedConnection shared;

    @BeforeEach
    void start() {
        redis = new LocalRedisServer(LocalRedisServer.freePort(), List.of("--requirepass", "the-servers"), null);
        redis.start();
        vertx = Vertx.vertx();
        shared = new SharedConnection(vertx, new RedisOptions()
                .setConnectionString("redis://:the-gateways@127.0.0.1:" + redis.port()).setMaxWaitingHandlers(2048)
                .setMaxPoolWaiting(1024), TIMEOUT);
    }

    @AfterEach
    void stop() {
        shared.close();
        vertx.closeAndAwait();
        redis.stop();
    }

    @Test
    void refusedCredentialsAreUnavailableAndAMisconfigurationUntilTheyMatch() {
        assertThatThrownBy(this::ping).isInstanceOf(StoreUnavailableException.class)
                .satisfies(failure -> assertThat(StoreErrors.isMisconfiguration(failure)).isTrue())
                .hasStackTraceContaining("WRONGPASS");
        assertThatThrownBy(this::ping).as("still refused").isInstanceOf(StoreUnavailableException.class);

        try (Resp control = Resp.connect(redis.port(), 5_000)) {
            control.call("AUTH", "the-servers");
            control.call("CONFIG", "SET", "requirepass", "the-gateways");
        }

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> "PONG".equals(ping()));
    }

    private String ping() {
        return StoreErrors.guard(TIMEOUT, shared.send(Request.cmd(Command.PING))).await().atMost(TIMEOUT.plusSeconds(1))
                .toString();
    }
}
