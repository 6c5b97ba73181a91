package dev.jobgateway.platform;

import java.util.ArrayList;

import jakarta.inject.Singleton;

import io.quarkus.redis.client.RedisOptionsCustomizer;
import io.quarkus.redis.runtime.client.config.RedisConfig;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.RedisOptions;

/**
 * The settings Quarkus built for the default Redis client (hosts, TLS, password, protocol, timeouts, pool sizes),
 * captured as it builds them, for the connections the gateway owns beside that client's pool: the shared connection
 * and the change feed's subscriber. Each gets a copy to narrow down.
 */
@Singleton
public class RedisClientOptions implements RedisOptionsCustomizer {

    private volatile RedisOptions captured;

    @Override
    public void customize(String clientName, RedisOptions options) {
        if (RedisConfig.DEFAULT_CLIENT_NAME.equals(clientName)) {
            captured = copy(options);
        }
    }

    /** A copy of the default client's settings, or null before Quarkus built that client. */
    public RedisOptions copy() {
        RedisOptions options = captured;
        return options == null ? null : copy(options);
    }

    /** A deep enough copy: the endpoint list and the TCP settings are the copy's own. */
    public static RedisOptions copy(RedisOptions options) {
        RedisOptions copy = new RedisOptions(options);
        copy.setEndpoints(new ArrayList<>(options.getEndpoints()));
        copy.setNetClientOptions(new NetClientOptions(options.getNetClientOptions()));
        return copy;
    }
}
