package dev.jobgateway.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.jobgateway.support.LearnedDurations;
import dev.jobgateway.support.TestPorts;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The learned durations in Redis: a quantile of the newest ones, kept per owner, bounded per model and per owner's
 * provider, nothing without enough of them. Each test uses a provider name of its own (the history is keyed by
 * owner, provider and model).
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@TestProfile(LearnedDurations.class)
class DurationHistoryTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String OWNER = "alice";

    @Inject
    DurationHistory history;

    @Inject
    RedisDataSource redis;

    @Test
    void theExpectedDurationIsTheConfiguredQuantileOfTheRecentOnes() {
        String provider = newProvider();
        for (int ms = 100; ms <= 1_000; ms += 100) {
            record(provider, "m", ms);
        }

        // 0.9 of ten durations, nearest rank: the ninth.
        assertThat(history.expected(OWNER, provider, "m").await().atMost(WAIT)).contains(Duration.ofMillis(900));
        assertThat(history.expected(OWNER, provider, "other").await().atMost(WAIT)).isEmpty();
    }

    @Test
    void fewerDurationsThanTheMinimumExpectNothing() {
        String provider = newProvider();
        record(provider, null, 500);
        record(provider, null, 500);

        assertThat(history.expected(OWNER, provider, null).await().atMost(WAIT)).isEmpty();
    }

    @Test
    void onlyTheNewestDurationsAreKept() {
        String provider = newProvider();
        for (int i = 0; i < 60; i++) {
            record(provider, "m", 1_000 + i);
        }

        String[] kept = redis.hash(String.class).hget(DurationHistory.key(OWNER, provider), "m").split(" ");
        assertThat(kept).hasSize(50);
        assertThat(kept[0]).isEqualTo("1010");
        assertThat(kept[49]).isEqualTo("1059");
    }

    @Test
    void theModelsOfAProviderAreBoundedWhateverCallersSend() {
        String provider = newProvider();
        for (int i = 0; i < DurationHistory.MODELS_PER_PROVIDER + 20; i++) {
            record(provider, "model-" + i, 700);
        }

        assertThat(redis.hash(String.class).hlen(DurationHistory.key(OWNER, provider)))
                .isEqualTo(DurationHistory.MODELS_PER_PROVIDER);
        assertThat(redis.key().pttl(DurationHistory.key(OWNER, provider))).isPositive();
    }

    @Test
    void eachOwnerHasAHistoryOfItsOwn() {
        String provider = newProvider();
        for (int i = 0; i < 10; i++) {
            record("alice", provider, "m", 200);
            record("bob", provider, "m", 9_000);
        }

        assertThat(history.expected("alice", provider, "m").await().atMost(WAIT)).contains(Duration.ofMillis(200));
        assertThat(history.expected("bob", provider, "m").await().atMost(WAIT)).contains(Duration.ofMillis(9_000));
        assertThat(history.expected("carol", provider, "m").await().atMost(WAIT)).isEmpty();
    }

    @Test
    void aLongModelNameIsKeptAsItsHash() {
        String longName = "m".repeat(500);

        assertThat(DurationHistory.field(longName)).hasSizeLessThan(64).doesNotContain("mmmm");
        assertThat(DurationHistory.field(null)).isEqualTo("-");
    }

    private void record(String provider, String model, long ms) {
        record(OWNER, provider, model, ms);
    }

    private void record(String owner, String provider, String model, long ms) {
        history.record(owner, provider, model, Duration.ofMillis(ms)).await().atMost(WAIT);
    }

    private static String newProvider() {
        return "test-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
