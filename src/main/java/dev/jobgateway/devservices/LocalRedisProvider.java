package dev.jobgateway.devservices;

import java.net.URI;
import java.util.Set;

import jakarta.annotation.PreDestroy;
import io.smallrye.common.annotation.Identifier;
import jakarta.inject.Singleton;

import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.redis.client.RedisHostsProvider;

/**
 * Dev and test builds only: when no Redis is configured ({@code REDIS_URL} / {@code quarkus.redis.hosts}),
 * the Redis client asks this provider, which starts a throwaway local {@code redis-server} on a free port.
 * Production builds do not contain this bean.
 */
@Singleton
@Identifier("local-redis")
@IfBuildProfile(anyOf = { "dev", "test" })
public class LocalRedisProvider implements RedisHostsProvider {

    private LocalRedisServer server;

    @Override
    public synchronized Set<URI> getHosts() {
        if (server == null) {
            server = LocalRedisServer.startOnFreePort();
        }
        return Set.of(server.uri());
    }

    /** The running server, for tests that stop and restart Redis. */
    public synchronized LocalRedisServer server() {
        getHosts();
        return server;
    }

    @PreDestroy
    synchronized void stop() {
        if (server != null) {
            server.stop();
        }
    }
}
