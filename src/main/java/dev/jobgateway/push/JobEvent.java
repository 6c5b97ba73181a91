package dev.jobgateway.push;

import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;

import dev.jobgateway.job.Job;

/**
 * The event a job's channel carries for each change (docs/push.md): what a list row shows, the version (one more per
 * applied change: a client keeps the newest, and a gap tells it to read), and the whole job as a read returns it when
 * the event stays within AppSync's limit. AppSync drops larger events silently, so the whole job is left out of those
 * ({@code truncated: true}): the client reads it.
 */
public record JobEvent(String json, boolean truncated) {

    /** AppSync Events takes events of up to 240 KB; kept under it with room for the envelope. */
    public static final int MAX_BYTES = 240_000;

    /** The event of {@code job}, whose API representation is {@code jobJson} (UTF-8), within {@code maxBytes}. */
    public static JobEvent of(ObjectMapper mapper, Job job, byte[] jobJson, int maxBytes) {
        ObjectNode event = mapper.createObjectNode()
                .put("id", job.id())
                .put("version", job.version())
                .put("status", job.status().wireName());
        event.put("progress", job.progress());
        event.put("queue_position", job.queuePosition());
        event.put("provider", job.provider())
                .put("model", job.model())
                .put("created_at", text(job.createdAt()))
                .put("updated_at", text(job.updatedAt()))
                .put("completed_at", text(job.completedAt()))
                .put("completed_via", job.completedVia())
                .put("output_storage", job.outputStorage() == null ? null : job.outputStorage().wireName());
        event.set("error", job.error() == null ? null : mapper.valueToTree(job.error()));
        String compact = write(mapper, event);
        // The compact part plus ,"job": and the job itself.
        if (compact.getBytes(StandardCharsets.UTF_8).length + 7 + jobJson.length <= maxBytes) {
            event.putRawValue("job", new RawValue(new String(jobJson, StandardCharsets.UTF_8)));
            return new JobEvent(write(mapper, event), false);
        }
        event.put("truncated", true);
        return new JobEvent(write(mapper, event), true);
    }

    private static String text(java.time.Instant instant) {
        return instant == null ? null : instant.toString();
    }

    private static String write(ObjectMapper mapper, ObjectNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
