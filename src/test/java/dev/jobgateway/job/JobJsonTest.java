package dev.jobgateway.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.platform.GatewayClock;
import dev.jobgateway.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The status read writes a job's JSON straight from its stored fields: held here to the very bytes the application's
 * own Jackson writes for the {@link Job} record, for jobs in every state and with every optional field.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class JobJsonTest {

    @Inject
    JobJson json;

    @Inject
    ObjectMapper mapper;

    @Test
    void theDirectWriterGivesTheSameBytesAsJacksonForEveryKindOfJob() throws Exception {
        String now = GatewayClock.system().now().toString();
        List<Map<String, String>> jobs = List.of(
                job("queued", Map.of()),
                job("queued", Map.of(StoredJob.QUEUE_POSITION, "3", StoredJob.MODEL, "owner/model:v1")),
                job("running", Map.of(StoredJob.PROGRESS, "0.25", StoredJob.QUEUE_POSITION, "0",
                        StoredJob.LAST_WEBHOOK_AT, now, StoredJob.WEBHOOKS_RECEIVED, "2")),
                job("running", Map.of(StoredJob.PROGRESS, "1.0E-4", StoredJob.LAST_UPSTREAM_CHECK_AT,
                        "2026-12-01T21:00:00Z", StoredJob.DELIVERY_STATE, "checking_upstream")),
                job("succeeded", Map.of(StoredJob.OUTPUT, "{\"images\":[\"https://x/y.png\"],\"n\":1.5}",
                        StoredJob.PROGRESS, "1.0", StoredJob.COMPLETED_VIA, "webhook", StoredJob.COMPLETED_AT, now,
                        StoredJob.DELIVERY_STATE, "webhook_received")),
                job("succeeded", Map.of(StoredJob.OUTPUT, "{\"image\":\"https://x/y.png\"}", StoredJob.OUTPUT_STORAGE,
                        "pending", StoredJob.COMPLETED_VIA, "poll", StoredJob.COMPLETED_AT, now)),
                job("failed", Map.of(StoredJob.ERROR, json.write(Job.JobError.fromAiServer("nsfw", "Blocked \"é\" ✓")),
                        StoredJob.COMPLETED_VIA, "poll", StoredJob.COMPLETED_AT, now, StoredJob.OUTPUT, "")),
                job("cancelled", Map.of(StoredJob.COMPLETED_VIA, "cancel", StoredJob.COMPLETED_AT, now)));
        for (Map<String, String> fields : jobs) {
            StoredJob stored = new StoredJob(fields);

            String direct = new String(json.writeJob(stored), StandardCharsets.UTF_8);

            assertThat(direct).as(fields.toString()).isEqualTo(mapper.writeValueAsString(json.toJob(stored)));
        }
    }

    private static Map<String, String> job(String status, Map<String, String> extra) {
        Map<String, String> fields = new HashMap<>(Map.of(
                StoredJob.ID, "job_AAAAAAAAAAAAAAAAAAAAAA",
                StoredJob.OWNER, "someone",
                StoredJob.PROVIDER, "generic",
                StoredJob.STATUS, status,
                StoredJob.INPUT, "{\"prompt\":\"a cat \\u00e9\",\"steps\":30}",
                StoredJob.VERSION, "7",
                StoredJob.CREATED_AT, "2026-12-01T21:00:00.120Z",
                StoredJob.UPDATED_AT, "2026-12-01T21:00:01.001Z",
                StoredJob.DEADLINE_AT, "2026-12-01T22:00:00Z",
                StoredJob.EXTERNAL_ID, "ext-1"));
        fields.putAll(extra);
        return fields;
    }
}
