package dev.jobgateway.providers.runpod;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A {@code FAILED} job's {@code error}, reduced to what a job read may show. A worker whose handler raised sends a
 * JSON string, {@code {"error_type", "error_message", "error_traceback", "hostname", "worker_id", "runpod_version"}}
 * (runpod-python {@code rp_job.py run_job}); a handler that returned {@code {"error": ...}} sends whatever it put
 * there,
 * usually a plain message (runpod/docs {@code handler-functions.mdx}). Only the type's name and the message are kept:
 * the traceback, host and worker id are the operator's business, never a browser's.
 *
 * @param message what the job shows, e.g. {@code RuntimeError: CUDA out of memory}, or null without an error
 * @param workerId the worker's id, for the operator's log only, or null
 * @param hostname the worker's host, for the operator's log only, or null
 */
record RunPodError(String message, String workerId, String hostname) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_MESSAGE = 1_000;

    static RunPodError of(JsonNode error) {
        if (error == null || error.isNull() || error.isMissingNode()) {
            return new RunPodError(null, null, null);
        }
        JsonNode details = error.isObject() ? error : parsedObject(error);
        if (details != null && details.path("error_message").isValueNode()) {
            String type = shortType(details.path("error_type").asText(""));
            String message = details.path("error_message").asText("").strip();
            return new RunPodError(shorten(type.isEmpty() ? message : type + ": " + message),
                    text(details.get("worker_id")), text(details.get("hostname")));
        }
        if (details != null && (details.has("error_traceback") || details.has("hostname")
                || details.has("worker_id"))) {
            // The worker's details without a message: none of them is shown.
            return new RunPodError("The worker reported an error without a message.", text(details.get("worker_id")),
                    text(details.get("hostname")));
        }
        if (error.isTextual()) {
            return new RunPodError(shorten(error.asText().strip()), null, null);
        }
        // Anything else a handler returned as its error is shown as JSON.
        return new RunPodError(shorten(error.toString()), null, null);
    }

    /** The error as a JSON object: itself, or the object a string holds; else null. */
    private static JsonNode parsedObject(JsonNode error) {
        if (!error.isTextual() || !error.asText().strip().startsWith("{")) {
            return null;
        }
        try {
            JsonNode parsed = JSON.readTree(error.asText());
            return parsed != null && parsed.isObject() ? parsed : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Python's {@code str(type(err))}, {@code <class 'torch.OutOfMemoryError'>}, as {@code OutOfMemoryError}. */
    static String shortType(String type) {
        String name = type.strip();
        if (name.startsWith("<class '") && name.endsWith("'>")) {
            name = name.substring("<class '".length(), name.length() - 2);
        }
        int dot = name.lastIndexOf('.');
        return dot >= 0 ? name.substring(dot + 1) : name;
    }

    private static String text(JsonNode value) {
        return value == null || !value.isValueNode() ? null : value.asText();
    }

    private static String shorten(String message) {
        return message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) + "..." : message;
    }
}
