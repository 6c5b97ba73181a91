package dev.jobgateway.devservices;

import java.net.URI;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.ConfigProvider;

import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.redis.client.RedisHostsProvider;
import io.smallrye.common.annotation.Identifier;

/**
 * Dev and test builds only: when no Redis is configured ({@code REDIS_URL} / {@code quarkus.redis.hosts}),
 * the Redis client asks this provider, which starts a throwaway local {@code redis-server} on a free port; or, with
 * {@code jobgateway.local-redis=cluster} (system property or {@code JOBGATEWAY_LOCAL_REDIS}, together with
 * {@code quarkus.redis.client-type=cluster}), hands out the seeds of the JVM's shared {@link LocalRedisCluster},
 * emptied first, so that every application start begins with an empty Redis either way.
 * Production builds do not contain this bean.
 */
@Singleton
@Identifier("local-redis")
@IfBuildProfile(anyOf = { "dev", "test" })
public class LocalRedisProvider implements RedisHostsProvider {

    /** {@code standalone} (the default) or {@code cluster}. */
    public static final String MODE_PROPERTY = "jobgateway.local-redis";

    private LocalRedisServer server;
    private Set<URI> clusterSeeds;

    /** Whether this JVM's tests and dev mode run against the local Redis Cluster instead of one server. */
    public static boolean clusterMode() {
        return "cluster".equalsIgnoreCase(ConfigProvider.getConfig().getOptionalValue(MODE_PROPERTY, String.class)
                .orElse("standalone"));
    }

    @Override
    public synchronized Set<URI> getHosts() {
        if (clusterMode()) {
            if (clusterSeeds == null) {
                String clientType = ConfigProvider.getConfig()
                        .getOptionalValue("quarkus.redis.client-type", String.class).orElse("standalone");
                if (!clientType.equalsIgnoreCase("cluster")) {
                    throw new IllegalStateException(MODE_PROPERTY + "=cluster needs quarkus.redis.client-type=cluster"
                            + " (it is " + clientType + ")");
                }
                LocalRedisCluster cluster = LocalRedisCluster.shared();
                cluster.flushAll();
                clusterSeeds = new LinkedHashSet<>(cluster.seeds());
            }
            return clusterSeeds;
        }
        if (server == null) {
            server = LocalRedisServer.startOnFreePort();
        }
        return Set.of(server.uri());
    }

    /** The running standalone server, for tests that stop and restart Redis. */
    public synchronized LocalRedisServer server() {
        if (clusterMode()) {
            throw new IllegalStateException("Redis is the local cluster here (" + MODE_PROPERTY + "=cluster)");
        }
        getHosts();
        return server;
    }

    /** The local cluster, when Redis is one. */
    public synchronized Optional<LocalRedisCluster> cluster() {
        return clusterMode() ? Optional.of(LocalRedisCluster.shared()) : Optional.empty();
    }

    /** The ports of every Redis process behind the gateway: one server, or every node of the cluster. */
    public synchronized List<Integer> ports() {
        getHosts();
        return clusterMode() ? LocalRedisCluster.shared().ports() : List.of(server.port());
    }

    @PreDestroy
    synchronized void stop() {
        if (server != null) {
            server.stop();
        }
    }
}
