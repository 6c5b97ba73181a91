package dev.jobgateway.providers.comfyui;

import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.job.Report;
import dev.jobgateway.providers.ProviderCallException;
import dev.jobgateway.providers.ProviderHttp;

/**
 * A prompt's {@code /history} entry in the gateway's terms: how it ended ({@code status.status_str} and the
 * {@code execution_error} / {@code execution_interrupted} message, as {@code execution.py} writes them) and its files
 * as {@code /view} URLs on the server's base URL.
 */
final class ComfyUiHistory {

    private final ObjectMapper mapper;
    private final URI base;

    ComfyUiHistory(ObjectMapper mapper, URI base) {
        this.mapper = mapper;
        this.base = base;
    }

    /** A history entry: ended well, with errors, or interrupted. */
    Report ended(JsonNode entry) {
        JsonNode status = entry.path("status");
        String word = status.path("status_str").asText("");
        ArrayNode messages = status.path("messages").isArray() ? (ArrayNode) status.get("messages")
                : mapper.createArrayNode();
        if (message(messages, "execution_interrupted") != null) {
            return Report.cancelled("interrupted");
        }
        if (word.equals("error")) {
            return Report.failed("error", executionError(message(messages,
                    "execution_error")));
        }
        if (!word.isEmpty() && !word.equals("success")) {
            throw new ProviderCallException("ComfyUI answered an unknown status_str '"
                    + (word.length() > 40 ? word.substring(0, 40) : word) + "'.");
        }
        if (status.has("completed") && !status.path("completed").asBoolean()) {
            throw new ProviderCallException("ComfyUI's history holds the prompt but marks it not completed.");
        }
        return Report.succeeded("success", outputs(entry.path("outputs")).toString());
    }

    /** The files of the prompt's outputs as {@code /view} URLs on the configured base: images, and other files. */
    ObjectNode outputs(JsonNode outputs) {
        ObjectNode result = mapper.createObjectNode();
        ArrayNode images = result.putArray("images");
        List<ObjectNode> files = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> nodes = outputs.fields(); nodes.hasNext();) {
            Map.Entry<String, JsonNode> node = nodes.next();
            for (Iterator<Map.Entry<String, JsonNode>> kinds = node.getValue().fields(); kinds.hasNext();) {
                Map.Entry<String, JsonNode> kind = kinds.next();
                if (!kind.getValue().isArray()) {
                    continue;
                }
                for (JsonNode file : kind.getValue()) {
                    if (!file.path("filename").isTextual()) {
                        continue;
                    }
                    ObjectNode described = mapper.createObjectNode()
                            .put("url", viewUrl(file))
                            .put("node_id", node.getKey())
                            .put("filename", file.get("filename").asText())
                            .put("subfolder", file.path("subfolder").asText(""))
                            .put("type", file.path("type").asText("output"));
                    if (kind.getKey().equals("images")) {
                        images.add(described);
                    } else {
                        files.add(described.put("kind", kind.getKey()));
                    }
                }
            }
        }
        if (!files.isEmpty()) {
            result.putArray("files").addAll(files);
        }
        return result;
    }

    /** {@code /view}, the file name last so that the URL ends with its extension. */
    private String viewUrl(JsonNode file) {
        return base.resolve("view") + "?type=" + ProviderHttp.segment(file.path("type").asText("output"))
                + "&subfolder=" + ProviderHttp.segment(file.path("subfolder").asText("")) + "&filename="
                + ProviderHttp.segment(file.get("filename").asText());
    }

    private static JsonNode message(ArrayNode messages, String event) {
        for (JsonNode message : messages) {
            if (message.isArray() && event.equals(message.path(0).asText())) {
                return message.path(1);
            }
        }
        return null;
    }

    /** The node that failed and ComfyUI's exception, e.g. "node 3 (KSampler): RuntimeError: CUDA out of memory". */
    static String executionError(JsonNode error) {
        if (error == null || !error.isObject()) {
            return "ComfyUI reported the prompt failed.";
        }
        StringBuilder text = new StringBuilder("ComfyUI failed");
        if (error.path("node_id").isValueNode()) {
            text.append(" at node ").append(error.get("node_id").asText());
            if (error.path("node_type").isTextual()) {
                text.append(" (").append(error.get("node_type").asText()).append(")");
            }
        }
        text.append(": ");
        if (error.path("exception_type").isTextual()) {
            text.append(error.get("exception_type").asText()).append(": ");
        }
        text.append(error.path("exception_message").asText("no message").strip());
        return shorten(text.toString());
    }

    private static String shorten(String text) {
        return text.length() > 500 ? text.substring(0, 500) + "..." : text;
    }
}
