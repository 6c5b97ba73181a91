package dev.jobgateway.job;

import java.io.IOException;
import java.io.UncheckedIOException;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.outputs.OutputStorage;
import dev.jobgateway.platform.GatewayConfig;

/** Turns stored jobs into their API representation and back-and-forth JSON text. */
@ApplicationScoped
public class JobJson {

    private final ObjectMapper mapper;
    private final long pollAfterMs;
    private final OutputStorage outputs;

    JobJson(ObjectMapper mapper, GatewayConfig config, OutputStorage outputs) {
        this.mapper = mapper;
        this.outputs = outputs;
        this.pollAfterMs = config.jobs().pollAfter().toMillis();
    }

    public Job toJob(StoredJob stored) {
        JobStatus status = stored.status();
        Job.JobError error = stored.text(StoredJob.ERROR) == null ? null
                : read(stored.text(StoredJob.ERROR), Job.JobError.class);
        String progress = stored.text(StoredJob.PROGRESS);
        String queuePosition = stored.text(StoredJob.QUEUE_POSITION);
        return new Job(
                stored.id(),
                status,
                stored.provider(),
                stored.model(),
                // Only while the job waits in the provider's queue: once it runs, its old place means nothing.
                status == JobStatus.QUEUED && queuePosition != null ? Integer.valueOf(queuePosition) : null,
                stored.text(StoredJob.INPUT),
                outputs.enabled() ? outputs.rewrite(stored.text(StoredJob.OUTPUT), stored.outputFilesJson())
                        : stored.text(StoredJob.OUTPUT),
                stored.outputStorage(),
                outputs.enabled() ? outputs.view(stored.outputFilesJson()) : null,
                progress == null ? null : Double.valueOf(progress),
                error == null ? null : error.message(),
                error,
                stored.text(StoredJob.COMPLETED_VIA),
                new Job.Delivery(
                        stored.fields().getOrDefault(StoredJob.DELIVERY_STATE, "awaiting_webhook"),
                        Integer.parseInt(stored.fields().getOrDefault(StoredJob.WEBHOOKS_RECEIVED, "0")),
                        stored.instant(StoredJob.LAST_WEBHOOK_AT),
                        stored.instant(StoredJob.LAST_UPSTREAM_CHECK_AT)),
                stored.version(),
                stored.instant(StoredJob.CREATED_AT),
                stored.instant(StoredJob.UPDATED_AT),
                stored.instant(StoredJob.COMPLETED_AT),
                status.isTerminal() ? null : pollAfterMs);
    }

    public ObjectNode object() {
        return mapper.createObjectNode();
    }

    public String write(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot serialize " + value.getClass().getSimpleName(), e);
        }
    }

    public JsonNode tree(String json) {
        if (json == null) {
            return null;
        }
        try {
            return mapper.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    <T> T read(String json, Class<T> type) {
        try {
            return mapper.readValue(json, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
