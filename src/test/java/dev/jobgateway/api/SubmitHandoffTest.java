package dev.jobgateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.job.Job;
import dev.jobgateway.job.JobStatus;
import dev.jobgateway.support.Api;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** Handing jobs to the AI server: retries, a server that is down, and a webhook that beats the answer. */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class SubmitHandoffTest {

    @Inject
    SimulatedAiServer aiServer;

    @Inject
    SubmitJobs submits;

    @Inject
    ObjectMapper mapper;

    @Test
    void aiServerDownAtSubmitFailsTheJobWithSourceSubmitAfterAllAttempts() {
        aiServer.stop();
        String id;
        try {
            JsonPath submitted = Jobs.submit(Jobs.simulate(Map.of("duration_ms", 50)));
            id = submitted.getString("id");
            assertThat(submitted.getString("status")).isEqualTo("failed");
        } finally {
            aiServer.start();
        }
        JsonPath job = Jobs.get(id);
        assertThat(job.getString("error.source")).isEqualTo("submit");
        assertThat(job.getString("error.code")).isEqualTo("ai_server_unreachable");
        assertThat(job.getString("error_message")).contains("could not be reached");
        assertThat((Object) job.get("completed_via")).isNull();

        JsonPath events = Jobs.events(id);
        assertThat(events.getList("events.type")).containsExactly("submitted", "handoff_failed");
        assertThat(events.getInt("events[1].details.attempts")).isEqualTo(3);
        assertThat(events.getString("events[1].outcome")).isEqualTo("applied");
    }

    @Test
    void overloadedAiServerIsRetriedWithBackoffUntilItAccepts() {
        int before = aiServer.submitAttempts();
        String id = Jobs.submit(Jobs.simulate(Map.of("reject_submits", 2, "duration_ms", 50))).getString("id");

        assertThat(Jobs.awaitTerminal(id).getString("status")).isEqualTo("succeeded");
        assertThat(aiServer.submitAttempts() - before).isEqualTo(3);
        assertThat(Jobs.events(id).getInt("events[1].details.attempts")).isEqualTo(3);
    }

    @Test
    void aiServerThatKeepsFailingFailsTheJobWithItsHttpStatus() {
        JsonPath submitted = Jobs.submit(Jobs.simulate(Map.of("reject_submits", 10)));

        assertThat(submitted.getString("status")).isEqualTo("failed");
        assertThat(submitted.getString("error.code")).isEqualTo("ai_server_error");
        assertThat(submitted.getString("error_message")).contains("HTTP 503");
    }

    @Test
    void webhookThatBeatsTheSubmitAnswerIsNotLost() throws Exception {
        // Called in-process: the Lambda test loop runs one event at a time, so the early webhook could not be
        // processed while a submit event is still open. Here it is, before the hand-off is recorded.
        var input = mapper.readTree("{\"prompt\":\"fast\",\"simulate\":{\"webhook\":\"before_response\"}}");

        Job job = submits.submit(Api.DEV_OWNER, input, Jobs.MAX_DURATION, null).await().atMost(Duration.ofSeconds(10))
                .job();

        assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(job.delivery().webhooksReceived()).isEqualTo(1);
        List<String> types = Jobs.events(job.id()).getList("events.type");
        assertThat(types).containsExactly("submitted", "webhook_received", "handed_to_ai_server");
    }

    @Test
    void aRetriedHandOffWhoseFirstAttemptTheAiServerTookStartsNoSecondGeneration() {
        // The AI server takes the first attempt but answers after the gateway gave up on it (request timeout 2 s in
        // tests): the retry carries the same Idempotency-Key (the job id), so the AI server answers with that job.
        int generations = aiServer.generations();

        JsonPath job = Jobs.submit(Jobs.simulate(Map.of("submit_delay_ms", 2_500, "slow_submits", 1,
                "webhook", "drop", "duration_ms", 60_000)));

        JsonPath handoff = Jobs.events(job.getString("id"));
        assertThat(handoff.getInt("events.find { it.type == 'handed_to_ai_server' }.details.attempts")).isEqualTo(2);
        assertThat(aiServer.generations() - generations).isEqualTo(1);
    }
}
