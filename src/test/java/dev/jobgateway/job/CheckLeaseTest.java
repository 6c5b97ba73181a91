package dev.jobgateway.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.jobgateway.platform.GatewayClock;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.support.MovableClock;
import dev.jobgateway.support.TestPorts;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The check lease of a job belongs to whoever took it: a slow checker or copier whose lease ran out (and was taken by
 * another instance) cannot shorten or end the new holder's lease when it finally finishes.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@Tag("cluster")
class CheckLeaseTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @Inject
    CheckSchedule schedule;

    @Inject
    RedisDataSource redis;

    @Inject
    MovableClock clock;

    @Inject
    GatewayClock gatewayClock;

    @AfterEach
    void backToNow() {
        clock.reset();
    }

    @Test
    void aHolderWhoseLeaseRanOutCannotCutTheNextHoldersLease() {
        String id = Ids.newJobId();
        CheckSchedule.Lease slow = schedule.claim(id, Duration.ofMillis(200)).await().atMost(WAIT).orElseThrow();
        await().atMost(WAIT).until(() -> redis.key().exists(Keys.checkLease(id)) == false);
        assertThat(schedule.claim(id, Duration.ofSeconds(30)).await().atMost(WAIT)).as("the next holder").isPresent();

        // The first holder's check finally ends and cuts "its" lease back to now.
        assertThat(schedule.holdUntil(slow, Instant.now()).await().atMost(WAIT)).as("moved").isFalse();

        assertThat(schedule.claim(id, Duration.ofSeconds(30)).await().atMost(WAIT))
                .as("a third claim while the second holder's lease runs").isEmpty();
        assertThat(redis.key().pttl(Keys.checkLease(id))).isGreaterThan(20_000);
    }

    @Test
    void theHolderCutsItsOwnLeaseBack() {
        String id = Ids.newJobId();
        CheckSchedule.Lease lease = schedule.claim(id, Duration.ofSeconds(30)).await().atMost(WAIT).orElseThrow();

        assertThat(schedule.holdUntil(lease, Instant.now()).await().atMost(WAIT)).as("moved").isTrue();

        assertThat(schedule.claim(id, Duration.ofSeconds(30)).await().atMost(WAIT)).isPresent();
    }

    @Test
    void aLeaseCutBackOnAMovedClockLastsFromTheGatewaysNowNotRedisTime() {
        String id = Ids.newJobId();
        CheckSchedule.Lease lease = schedule.claim(id, Duration.ofSeconds(30)).await().atMost(WAIT).orElseThrow();
        clock.advance(Duration.ofHours(1));

        assertThat(schedule.holdUntil(lease, gatewayClock.now().plusSeconds(10)).await().atMost(WAIT)).isTrue();

        assertThat(redis.key().pttl(Keys.checkLease(id))).as("ms left").isBetween(1L, 10_000L);
    }
}
