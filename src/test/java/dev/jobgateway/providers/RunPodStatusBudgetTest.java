package dev.jobgateway.providers;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.ProviderCase;
import dev.jobgateway.support.Simulate;
import dev.jobgateway.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * RunPod's {@code /status} limit holds under load: many readers of many RunPod jobs whose webhooks never come make
 * the fallback want far more checks than the endpoint's budget allows; the budget, shared in Redis, keeps the status
 * calls RunPod sees within its limit, and a check the budget postpones is no failure of the job. The budget and window
 * are scaled down (9 per 2 s, against a simulated limit of 10 per 2 s: RunPod's 2,000 per 10 s with the default
 * budget's 10 % headroom), so the test runs in seconds.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@TestProfile(RunPodStatusBudgetTest.SmallBudget.class)
class RunPodStatusBudgetTest {

    private static final int BUDGET = 9;
    private static final int LIMIT = 10;
    private static final Duration WINDOW = Duration.ofSeconds(2);

    public static class SmallBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "gateway.fallback.check-after", "200ms",
                    "gateway.fallback.check-interval", "500ms",
                    "gateway.fallback.max-check-interval", "2s",
                    "gateway.providers.runpod.status-budget", Integer.toString(BUDGET),
                    "gateway.providers.runpod.status-window", WINDOW.toMillis() + "ms");
        }
    }

    @Inject
    SimulatedAiServer aiServer;

    @Test
    void manyReadersOfManyJobsStayWithinTheEndpointsStatusLimit() throws Exception {
        aiServer.runpod().statusLimit(LIMIT, WINDOW);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(ProviderCase.RUNPOD.submit(Simulate.webhookDropped().durationMs(60_000).progressSteps(0).knobs()));
        }
        int callsBefore = aiServer.runpod().statusCallTimes().size();

        // 8 readers, each reading a random job as fast as it can for 6 s: each read of an overdue job wants a check.
        ExecutorService readers = Executors.newFixedThreadPool(8);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
        for (int r = 0; r < 8; r++) {
            readers.submit(() -> {
                while (System.nanoTime() < until) {
                    Jobs.get(ids.get(ThreadLocalRandom.current().nextInt(ids.size())));
                }
                return null;
            });
        }
        readers.shutdown();
        assertThat(readers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        int calls = aiServer.runpod().statusCallTimes().size() - callsBefore;
        int most = aiServer.runpod().mostStatusCallsWithin(WINDOW);
        System.out.printf("[measure] RunPod status budget %d per %d ms: %d status calls in 6 s by 8 readers of 20 "
                + "jobs (wanted: about %d), at most %d in any window, %d answered 429%n", BUDGET, WINDOW.toMillis(),
                calls, 20 * 12, most, aiServer.runpod().throttled());
        assertThat(aiServer.runpod().throttled()).isZero();
        assertThat(most).isLessThanOrEqualTo(LIMIT);
        // About the budget per window over 6 s (4 windows, counting the partial ones at both ends), not 20 jobs
        // checked every 500 ms; and it was used, not starved.
        assertThat(calls).isBetween(BUDGET, BUDGET * 4);
        for (String id : ids) {
            assertThat(Jobs.get(id).getString("status")).isIn("queued", "running");
            assertThat(Jobs.events(id).getList("events.type")).doesNotContain("upstream_check_failed");
        }
        aiServer.runpod().statusLimit(2_000, Duration.ofSeconds(10));
        ids.forEach(id -> io.restassured.RestAssured.given().post("/jobs/" + id + "/cancel"));
    }
}
