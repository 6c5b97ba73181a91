package dev.jobgateway.platform;

import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.jobgateway.devservices.LocalRedisCluster;
import dev.jobgateway.devservices.LocalRedisServer;

/**
 * The Redis the integration tests' tiers start for their gateway processes: Redis 7 standalone, 6.2 as a cluster, in CI
 * ({@link RedisVersions}). Started the way those tests start it.
 */
@Tag("cluster")
class RedisVersionIT {

    @Test
    void theTierRunsOnTheRedisItIsMeantFor() {
        if ("cluster".equalsIgnoreCase(System.getProperty("jobgateway.local-redis"))) {
            RedisVersions.check(LocalRedisCluster.shared().ports(), true, "failsafe cluster");
            return;
        }
        try (LocalRedisServer redis = LocalRedisServer.startOnFreePort()) {
            RedisVersions.check(List.of(redis.port()), false, "failsafe standalone");
        }
    }
}
