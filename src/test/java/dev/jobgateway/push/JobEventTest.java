package dev.jobgateway.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.job.Job;
import dev.jobgateway.job.JobStatus;

class JobEventTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void carriesTheWholeJobWhenItFitsAndTheListRowAlways() throws Exception {
        Job job = job("{\"images\":[\"https://files.example/1.png\"]}");
        JobEvent event = JobEvent.of(JSON, job, "{\"id\":\"job_x\",\"whole\":true}".getBytes(StandardCharsets.UTF_8),
                JobEvent.MAX_BYTES);

        JsonNode json = JSON.readTree(event.json());
        assertThat(event.truncated()).isFalse();
        assertThat(json.path("job").path("whole").asBoolean()).isTrue();
        assertThat(json.path("id").asText()).isEqualTo("job_Ab-c_DEFGHIJKLMNOPQRST");
        assertThat(json.path("version").asLong()).isEqualTo(4);
        assertThat(json.path("status").asText()).isEqualTo("running");
        assertThat(json.path("progress").asDouble()).isEqualTo(0.5);
        assertThat(json.has("queue_position")).isTrue();
        assertThat(json.has("truncated")).isFalse();
    }

    @Test
    void leavesTheJobOutOfAnEventOverAppSyncsLimitAndSaysSo() throws Exception {
        byte[] whole = ("{\"output\":\"" + "x".repeat(JobEvent.MAX_BYTES) + "\"}").getBytes(StandardCharsets.UTF_8);

        JobEvent event = JobEvent.of(JSON, job(null), whole, JobEvent.MAX_BYTES);

        assertThat(event.truncated()).isTrue();
        assertThat(event.json().getBytes(StandardCharsets.UTF_8).length).isLessThan(JobEvent.MAX_BYTES);
        JsonNode json = JSON.readTree(event.json());
        assertThat(json.has("job")).isFalse();
        assertThat(json.path("truncated").asBoolean()).isTrue();
        assertThat(json.path("version").asLong()).isEqualTo(4);
    }

    private static Job job(String output) {
        Instant created = Instant.parse("2026-12-07T03:00:00Z");
        return new Job("job_Ab-c_DEFGHIJKLMNOPQRST", JobStatus.RUNNING, "generic", null, null, "{}", output, null,
                null, 0.5, null, null, null, null, 4, created, created.plusSeconds(5), null, 2000L);
    }
}
