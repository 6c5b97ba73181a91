package dev.jobgateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.platform.ApiException;
import dev.jobgateway.support.Api;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.MovableClock;
import dev.jobgateway.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** An Idempotency-Key names one job however long its hand-off takes, even with a lease far shorter than that. */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@TestProfile(IdempotencyUnderSlowHandOffTest.ShortLease.class)
class IdempotencyUnderSlowHandOffTest {

    public static class ShortLease implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.idempotency.lease", "500ms");
        }
    }

    @Inject
    SubmitJobs submits;

    @Inject
    SimulatedAiServer aiServer;

    @Inject
    ObjectMapper mapper;

    @Inject
    MovableClock clock;

    @AfterEach
    void backToNow() {
        clock.reset();
    }

    @Test
    void aRetryDuringAHandOffLongerThanTheLeaseGets409AndThenTheSameJob() throws Exception {
        var input = mapper.readTree("{\"simulate\":{\"submit_delay_ms\":1500,\"webhook\":\"drop\","
                + "\"duration_ms\":60000}}");
        int generations = aiServer.generations();
        int attempts = aiServer.submitAttempts();

        CompletableFuture<Submission> first = submits.submit(Api.DEV_OWNER, input, Jobs.MAX_DURATION, "slow-key")
                .subscribeAsCompletionStage();
        // Claimed, and handing off (the AI server answers after 1.5 s): then past the 500 ms lease on the gateway's clock.
        await().atMost(Duration.ofSeconds(5)).until(() -> aiServer.submitAttempts() > attempts);
        clock.advance(Duration.ofMillis(800));
        CompletableFuture<Submission> during = submits.submit(Api.DEV_OWNER, input, Jobs.MAX_DURATION, "slow-key")
                .subscribeAsCompletionStage();

        assertThat(during).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                .havingCause().isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.type()).isEqualTo("idempotency-key-in-flight"));
        Submission created = first.get(10, TimeUnit.SECONDS);
        Submission replayed = submits.submit(Api.DEV_OWNER, input, Jobs.MAX_DURATION, "slow-key").await()
                .atMost(Duration.ofSeconds(5));
        assertThat(replayed.replayed()).isTrue();
        assertThat(replayed.job().id()).isEqualTo(created.job().id());
        assertThat(aiServer.generations() - generations).isEqualTo(1);
    }
}
