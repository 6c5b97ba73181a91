package dev.jobgateway.providers.cog;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.ShortFallbackIntervals;
import dev.jobgateway.support.Simulate;
import dev.jobgateway.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * Where the operator opted in ({@code gateway.providers.cog.rerun-lost-predictions}), a Cog job whose result was lost
 * is run once more at its deadline, as its second generation, instead of failing; a second loss fails it, with no
 * third run.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@TestProfile(CogRerunTest.RerunLostPredictions.class)
class CogRerunTest {

    /** The fallback's short test intervals, and Cog's lost predictions run again. */
    public static class RerunLostPredictions extends ShortFallbackIntervals {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            overrides.put("gateway.providers.cog.rerun-lost-predictions", "true");
            return overrides;
        }
    }

    @Inject
    SimulatedAiServer aiServer;

    @Test
    void aLostPredictionIsRunOnceMoreAsTheJobsSecondGenerationAndItsResultCompletesTheJob() {
        // Every attempt of the first run's terminal webhook is lost; the second run's arrives.
        String id = submit(2, Map.of("duration_ms", 100, "cog_lost_webhook_attempts", 13));

        JsonPath job = Jobs.awaitTerminal(id, Duration.ofSeconds(10), Duration.ofMillis(100));

        assertThat(job.getString("status")).isEqualTo("succeeded");
        assertThat(job.getString("completed_via")).isEqualTo("webhook");
        assertThat(aiServer.cog().runs(id)).isEqualTo(2);
        JsonPath events = Jobs.events(id);
        assertThat(events.getList("events.type")).containsSubsequence("handed_to_ai_server", "second_generation",
                "handed_to_ai_server");
        assertThat(events.getInt("events.find { it.type == 'second_generation' }.details.generation")).isEqualTo(2);
        assertThat(events.getString("events.find { it.type == 'second_generation' }.details.reason"))
                .contains("Cog no longer knows");
        assertThat(Instant.parse(job.getString("completed_at")))
                .isAfter(Instant.parse(job.getString("created_at")).plusSeconds(2));
    }

    @Test
    void aSecondLossFailsTheJobAsLostWithoutAThirdRun() {
        String id = submit(1, Simulate.webhookDropped().durationMs(100).knobs());

        JsonPath job = Jobs.awaitTerminal(id, Duration.ofSeconds(8), Duration.ofMillis(100));

        assertThat(job.getString("status")).isEqualTo("failed");
        assertThat(job.getString("error.source")).isEqualTo("upstream_lost");
        assertThat(aiServer.cog().runs(id)).isEqualTo(2);
        assertThat(Jobs.events(id).getList("events.type")).containsOnlyOnce("second_generation");
    }

    private static String submit(int maxDurationSeconds, Map<String, Object> knobs) {
        return Jobs.submitBody(Map.of("provider", "cog", "max_duration_seconds", maxDurationSeconds, "input",
                Jobs.simulate(knobs))).getString("id");
    }

}
