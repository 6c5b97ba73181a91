package dev.jobgateway.platform;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.jobgateway.devservices.LocalRedisProvider;
import dev.jobgateway.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.common.annotation.Identifier;

/**
 * The Redis the {@code @QuarkusTest} tiers run on: Redis 7 standalone, 6.2 as a cluster, in CI ({@link RedisVersions}).
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@Tag("cluster")
class RedisVersionTest {

    @Inject
    @Identifier("local-redis")
    LocalRedisProvider localRedis;

    @Test
    void theTierRunsOnTheRedisItIsMeantFor() {
        boolean cluster = LocalRedisProvider.clusterMode();
        RedisVersions.check(localRedis.ports(), cluster, cluster ? "surefire cluster" : "surefire standalone");
    }
}
