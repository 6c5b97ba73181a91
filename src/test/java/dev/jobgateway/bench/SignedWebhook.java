package dev.jobgateway.bench;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

import dev.jobgateway.providers.StandardWebhook;

/** A generic-provider webhook for one job, signed as the AI server would sign it (Standard Webhooks). */
record SignedWebhook(String path, byte[] body, String id, String timestamp, String signature) {

    /** {@code progress} is left out when null; a {@code succeeded} webhook carries an output image. */
    static SignedWebhook of(String jobId, String externalId, String status, Double progress) {
        String body = "{\"job_id\":\"" + externalId + "\",\"status\":\"" + status + "\""
                + (progress == null ? "" : ",\"progress\":" + progress)
                + (status.equals("succeeded") ? ",\"output\":{\"images\":[{\"url\":\"https://example.invalid/x.png\"}]}"
                        : "")
                + "}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String id = "msg_" + UUID.randomUUID().toString().replace("-", "");
        long timestamp = Instant.now().getEpochSecond();
        return new SignedWebhook("/webhooks/generic/" + jobId, bytes, id, Long.toString(timestamp),
                StandardWebhook.sign(Processes.SECRET, id, timestamp, bytes));
    }

    /** One line of the file bench/webhooks.lua replays: path, id, timestamp, signature, body, tab-separated. */
    String tsvLine() {
        return path + "\t" + id + "\t" + timestamp + "\t" + signature + "\t"
                + new String(body, StandardCharsets.UTF_8) + "\n";
    }
}
