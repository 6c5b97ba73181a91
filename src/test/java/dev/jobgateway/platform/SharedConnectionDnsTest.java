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
import dev.jobgateway.support.TestDns;
import io.vertx.core.VertxOptions;
import io.vertx.core.dns.AddressResolverOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.redis.client.RedisOptions;

/**
 * The shared connection to a Redis reached by a host name, when the name stops resolving (a DNS blip in a VPC): the
 * commands in the meantime fail as an outage (503), and once the name resolves again the same connection object
 * serves again, without a restart. A real Redis and a DNS server the test controls ({@link TestDns}), which Vert.x's
 * resolver asks, as the gateway's does with {@code quarkus.vertx.resolver.servers}.
 */
class SharedConnectionDnsTest {

    private static final String HOST = "redis.gateway.test";
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private LocalRedisServer redis;
    private TestDns dns;
    private Vertx vertx;
    private SharedConnection shared;

    @BeforeEach
    void start() {
        redis = LocalRedisServer.startOnFreePort();
        dns = TestDns.start(1).resolve(HOST, "127.0.0.1");
        vertx = withVertxResolver(() -> Vertx.vertx(new VertxOptions().setAddressResolverOptions(
                new AddressResolverOptions().setServers(List.of(dns.address())).setSearchDomains(List.of())
                        .setCacheMaxTimeToLive(0).setQueryTimeout(1_000))));
        shared = new SharedConnection(vertx, new RedisOptions()
                .setConnectionString("redis://" + HOST + ":" + redis.port()).setMaxWaitingHandlers(2048)
                .setMaxPoolWaiting(1024), TIMEOUT);
    }

    @AfterEach
    void stop() {
        shared.close();
        vertx.closeAndAwait();
        dns.close();
        redis.stop();
    }

    @Test
    void whileTheRedisHostDoesNotResolveCommandsAreUnavailableAndThenServedAgain() {
        assertThat(ping()).isEqualTo("PONG");

        dns.fail();
        // Its connection goes (a Redis restart, an idle timeout): the next command must resolve the name again.
        Resp.once(redis.port(), "CLIENT", "KILL", "TYPE", "normal");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThatThrownBy(this::ping)
                .isInstanceOf(StoreUnavailableException.class)
                .hasStackTraceContaining("java.net.UnknownHostException"));
        assertThatThrownBy(this::ping).isInstanceOf(StoreUnavailableException.class);

        dns.recover();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> "PONG".equals(ping()));
    }

    /**
     * A Vert.x that resolves names itself (Netty's resolver, asking {@link TestDns}): Quarkus, unless
     * {@code quarkus.vertx.use-async-dns} is on, sets {@code vertx.disableDnsResolver} for the JVM, and an application
     * started earlier in this JVM would leave every later Vert.x on the JDK's resolver, which this test cannot point
     * anywhere. Either way the connect fails with an {@code UnknownHostException}.
     */
    private static Vertx withVertxResolver(java.util.function.Supplier<Vertx> create) {
        String disabled = System.clearProperty("vertx.disableDnsResolver");
        try {
            return create.get();
        } finally {
            if (disabled != null) {
                System.setProperty("vertx.disableDnsResolver", disabled);
            }
        }
    }

    private String ping() {
        return StoreErrors.guard(TIMEOUT, shared.send(Request.cmd(Command.PING))).await().atMost(TIMEOUT.plusSeconds(1))
                .toString();
    }
}
