package dev.jobgateway.job;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.platform.GatewayConfig;

/** Turns stored jobs into their API representation and back-and-forth JSON text. */
@ApplicationScoped
public class JobJson {

    private final ObjectMapper mapper;
    private final long pollAfterMs;
    private final OutputFiles outputs;

    JobJson(ObjectMapper mapper, GatewayConfig config, OutputFiles outputs) {
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
                        stored.instant(StoredJob.LAST_UPSTREAM_CHECK_AT),
                        stored.instant(StoredJob.EXPECTED_AT)),
                stored.version(),
                stored.instant(StoredJob.CREATED_AT),
                stored.instant(StoredJob.UPDATED_AT),
                stored.instant(StoredJob.COMPLETED_AT),
                status.isTerminal() ? null : pollAfterMs);
    }

    /**
     * The job's API representation, written straight from the stored fields: the same bytes as Jackson writing
     * {@link #toJob}, without building the record, parsing the timestamps and formatting them again (the stored
     * text is already the ISO-8601 form {@link java.time.Instant#toString} gives, which is what Jackson writes).
     * The status read is the hottest path of the gateway; JobJsonTest holds the two writers to the same output.
     */
    public byte[] writeJob(StoredJob stored) {
        JobStatus status = stored.status();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (JsonGenerator out = mapper.getFactory().createGenerator(bytes, JsonEncoding.UTF8)) {
            out.writeStartObject();
            out.writeStringField("id", stored.id());
            out.writeStringField("status", status.wireName());
            out.writeStringField("provider", stored.provider());
            out.writeStringField("model", stored.model());
            String queuePosition = stored.text(StoredJob.QUEUE_POSITION);
            out.writeFieldName("queue_position");
            if (status == JobStatus.QUEUED && queuePosition != null) {
                out.writeNumber(Integer.parseInt(queuePosition));
            } else {
                out.writeNull();
            }
            raw(out, "input", stored.text(StoredJob.INPUT));
            raw(out, "output", outputs.enabled()
                    ? outputs.rewrite(stored.text(StoredJob.OUTPUT), stored.outputFilesJson())
                    : stored.text(StoredJob.OUTPUT));
            Job.OutputState storage = stored.outputStorage();
            out.writeStringField("output_storage", storage == null ? null : storage.wireName());
            List<Job.OutputFile> files = outputs.enabled() ? outputs.view(stored.outputFilesJson()) : null;
            raw(out, "output_files", files == null ? null : write(files));
            String progress = stored.text(StoredJob.PROGRESS);
            out.writeFieldName("progress");
            if (progress == null) {
                out.writeNull();
            } else {
                out.writeNumber(Double.parseDouble(progress));
            }
            String errorJson = stored.text(StoredJob.ERROR);
            Job.JobError error = errorJson == null ? null : read(errorJson, Job.JobError.class);
            out.writeStringField("error_message", error == null ? null : error.message());
            out.writeFieldName("error");
            if (error == null) {
                out.writeNull();
            } else {
                out.writeStartObject();
                out.writeStringField("source", error.source() == null ? null : error.source().wireName());
                out.writeStringField("code", error.code());
                out.writeStringField("message", error.message());
                out.writeEndObject();
            }
            out.writeStringField("completed_via", stored.text(StoredJob.COMPLETED_VIA));
            out.writeObjectFieldStart("delivery");
            out.writeStringField("state", stored.fields().getOrDefault(StoredJob.DELIVERY_STATE, "awaiting_webhook"));
            out.writeNumberField("webhooks_received",
                    Integer.parseInt(stored.fields().getOrDefault(StoredJob.WEBHOOKS_RECEIVED, "0")));
            out.writeStringField("last_webhook_at", stored.text(StoredJob.LAST_WEBHOOK_AT));
            out.writeStringField("last_upstream_check_at", stored.text(StoredJob.LAST_UPSTREAM_CHECK_AT));
            out.writeStringField("expected_at", stored.text(StoredJob.EXPECTED_AT));
            out.writeEndObject();
            out.writeNumberField("version", stored.version());
            out.writeStringField("created_at", stored.text(StoredJob.CREATED_AT));
            out.writeStringField("updated_at", stored.text(StoredJob.UPDATED_AT));
            out.writeStringField("completed_at", stored.text(StoredJob.COMPLETED_AT));
            out.writeFieldName("poll_after_ms");
            if (status.isTerminal()) {
                out.writeNull();
            } else {
                out.writeNumber(pollAfterMs);
            }
            out.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void raw(JsonGenerator out, String name, String json) throws IOException {
        out.writeFieldName(name);
        if (json == null) {
            out.writeNull();
        } else {
            out.writeRawValue(json);
        }
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
