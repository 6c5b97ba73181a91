package dev.jobgateway.providers;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.Webhooks;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * What is RunPod's own, against the simulator's RunPod dialect, which refuses what RunPod refuses: the job's deadline
 * becomes a {@code policy.ttl} (a job still queued when it passes never runs) and a legal {@code executionTimeout}
 * (more than 5 s, also for a job whose deadline is nearer); a failed job shows the worker's message, never the
 * traceback, host or worker id RunPod's error carries; a job that expired in RunPod's queue fails with its own code.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class RunPodProviderTest {

    @Inject
    SimulatedAiServer aiServer;

    @Test
    void theDeadlineBecomesTheJobsTtlAndALegalExecutionTimeoutEvenWhenItIsUnderFiveSeconds() {
        String soon = Jobs.submitBody(Map.of("provider", "runpod", "max_duration_seconds", 5,
                "input", Jobs.simulate(Map.of("duration_ms", 50)))).getString("id");
        String later = Jobs.submitBody(Map.of("provider", "runpod", "max_duration_seconds", 120,
                "input", Jobs.simulate(Map.of("duration_ms", 50)))).getString("id");

        assertThat(Jobs.awaitTerminal(soon).getString("status")).isEqualTo("succeeded");
        String soonId = Webhooks.externalId(soon);
        assertThat(Long.parseLong(aiServer.jobFact(soonId, "execution_timeout_ms"))).isGreaterThan(5_000);
        assertThat(aiServer.jobFact(soonId, "ttl_ms")).isEqualTo("10000");
        String laterId = Webhooks.externalId(later);
        assertThat(Long.parseLong(aiServer.jobFact(laterId, "ttl_ms"))).isBetween(110_000L, 120_000L);
        assertThat(Long.parseLong(aiServer.jobFact(laterId, "execution_timeout_ms"))).isBetween(110_000L, 120_000L);
    }

    @Test
    void aFailedJobShowsTheWorkersMessageButNeverItsTracebackHostOrWorkerId() {
        String id = Jobs.submitBody(Map.of("provider", "runpod", "input", Jobs.simulate(Map.of("duration_ms", 100,
                "outcome", "failed", "error_message", "CUDA out of memory")))).getString("id");

        JsonPath done = Jobs.awaitTerminal(id);

        assertThat(done.getString("status")).isEqualTo("failed");
        assertThat(done.getString("error.source")).isEqualTo("ai_server");
        assertThat(done.getString("error.message")).isEqualTo("RuntimeError: CUDA out of memory");
        String read = given().get("/jobs/" + id).asString();
        String events = given().get("/jobs/" + id + "/events").asString();
        for (String shown : new String[] { read, events }) {
            assertThat(shown).doesNotContain("Traceback").doesNotContain("handler.py").doesNotContain("oqk7ao1uomckye")
                    .doesNotContain("hostname").doesNotContain("worker_id");
        }
    }

    /**
     * RunPod's minimum ttl is 10 s: a job whose deadline is 10 s away waits in RunPod's queue until the ttl drops it.
     * Nobody reads it meanwhile, so the gateway's own deadline check does not come first.
     */
    @Test
    void aJobStillQueuedWhenItsTtlPassesNeverRunsAndFailsAsExpiredInTheQueue() {
        String id = Jobs.submitBody(Map.of("provider", "runpod", "max_duration_seconds", 10, "input",
                Jobs.simulate(Map.of("duration_ms", 60_000, "queued_ms", 60_000, "progress_steps", 0))))
                .getString("id");
        String externalId = Webhooks.externalId(id);

        await().atMost(Duration.ofSeconds(20)).until(() -> "timed_out".equals(aiServer.jobStatus(externalId)));
        JsonPath done = Jobs.awaitTerminal(id);

        assertThat(done.getString("status")).isEqualTo("failed");
        assertThat(done.getString("error.code")).isEqualTo("expired_in_queue");
        assertThat(done.getString("error.message")).contains("never ran");
        assertThat(aiServer.completedAt(externalId)).isNotNull();
        assertThat(Jobs.events(id).getString("events.find { it.type == 'upstream_checked' }.details.upstream_status"))
                .isEqualTo("TIMED_OUT");
    }
}
