package dev.jobgateway.waiting;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Singleton;

import dev.jobgateway.platform.RedisClientOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;

/**
 * The settings of the change feed's own Redis connection: those Quarkus built for the default client (hosts, TLS,
 * password, protocol, timeouts; {@link RedisClientOptions}), narrowed to one node in standalone mode. On a Redis
 * Cluster every node delivers every {@code PUBLISH} (it is broadcast over the cluster bus), so one node is enough,
 * and any node will do: a connection the gateway owns and replaces as a whole, instead of the cluster client's
 * connection to every node, each of which can end (and restart) the subscription.
 */
@Singleton
class SubscriberOptions {

    private final RedisClientOptions defaults;

    SubscriberOptions(RedisClientOptions defaults) {
        this.defaults = defaults;
    }

    /**
     * The default client's TCP idle timeout ({@code quarkus.redis.tcp.idle-timeout}), or zero for none: the feed keeps
     * no connection that the pool would have closed as idle (the pool's defence against dead sockets after a thaw).
     */
    Duration idleTimeout() {
        RedisOptions options = defaults.copy();
        if (options == null || options.getNetClientOptions().getIdleTimeout() <= 0) {
            return Duration.ZERO;
        }
        NetClientOptions net = options.getNetClientOptions();
        return Duration.ofMillis(net.getIdleTimeoutUnit().toMillis(net.getIdleTimeout()));
    }

    /** Where the feed may subscribe: the configured hosts (cluster seeds). */
    List<String> endpoints() {
        RedisOptions options = defaults.copy();
        return options == null ? List.of() : List.copyOf(options.getEndpoints());
    }

    /** The default client's settings for one connection, in standalone mode, to {@code endpoint}. */
    RedisOptions forEndpoint(String endpoint) {
        RedisOptions captured = defaults.copy();
        RedisOptions options = new RedisOptions(captured);
        if (captured.getType() != RedisClientType.SENTINEL) {
            // With Sentinel the endpoints are sentinels: the sentinel client itself finds the master to subscribe on.
            options.setType(RedisClientType.STANDALONE);
            options.setEndpoints(new ArrayList<>(List.of(endpoint)));
        } else {
            options.setEndpoints(new ArrayList<>(captured.getEndpoints()));
        }
        options.setMaxPoolSize(1);
        options.setMaxPoolWaiting(8);
        options.setPoolName("job-gateway-change-feed");
        // The feed tells a dead connection from a quiet one by its own PINGs; the pool's idle timeout would close a
        // quiet subscription every minute and make every waiter re-read for nothing.
        NetClientOptions net = new NetClientOptions(captured.getNetClientOptions());
        net.setIdleTimeout(0);
        net.setMetricsName("redis|job-gateway-change-feed");
        options.setNetClientOptions(net);
        return options;
    }
}
