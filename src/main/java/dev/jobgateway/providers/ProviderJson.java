package dev.jobgateway.providers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.providers.CreateAttempts.InvalidAnswerException;

/**
 * JSON to and from a provider's API, the same for every provider whose answers are one JSON object: what differs is
 * only the object's type and the field its error bodies carry their text in.
 */
public final class ProviderJson {

    private ProviderJson() {
    }

    /**
     * The object of a 2xx answer; any other answer fails with an {@link HttpStatusException} carrying the text of
     * {@code errorField} of its body, and a 2xx that is not such an object with an {@link InvalidAnswerException}
     * saying {@code notAnObject}.
     */
    public static <T> T object(ObjectMapper mapper, ProviderHttp.Answer answer, Class<T> type, String errorField,
            String notAnObject) {
        if (!answer.ok()) {
            throw new HttpStatusException(answer, errorText(mapper, answer.body(), errorField));
        }
        T value;
        try {
            value = mapper.readValue(answer.body(), type);
        } catch (IOException e) {
            value = null;
        }
        if (value == null) {
            throw new InvalidAnswerException(notAnObject);
        }
        return value;
    }

    /**
     * The JSON object of a 2xx answer, as a tree; any other answer fails with an {@link HttpStatusException} carrying
     * the text of {@code errorField} of its body (none when null), and a 2xx that is not an object with an
     * {@link InvalidAnswerException} saying {@code notAnObject}.
     */
    public static JsonNode objectTree(ObjectMapper mapper, ProviderHttp.Answer answer, String errorField,
            String notAnObject) {
        if (!answer.ok()) {
            throw new HttpStatusException(answer, errorField == null ? null
                    : errorText(mapper, answer.body(), errorField));
        }
        JsonNode node = tree(mapper, answer.body());
        if (node == null || !node.isObject()) {
            throw new InvalidAnswerException(notAnObject);
        }
        return node;
    }

    /** A body as a JSON tree, or null when it is empty or not JSON. */
    public static JsonNode tree(ObjectMapper mapper, byte[] body) {
        try {
            return body == null || body.length == 0 ? null : mapper.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    /** The text of {@code field} of an error body, or null when the body is not JSON or has no such text. */
    public static String errorText(ObjectMapper mapper, byte[] body, String field) {
        try {
            JsonNode error = mapper.readTree(body);
            JsonNode text = error == null ? null : error.get(field);
            return text != null && text.isTextual() ? text.asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** A JSON value of an answer as the job keeps it: its JSON text, or null for none (absent or {@code null}). */
    public static String json(JsonNode value) {
        return value == null || value.isNull() ? null : value.toString();
    }

    /** A JSON value of an answer as text (an error): a string's own text, any other value's JSON, null for none. */
    public static String text(JsonNode value) {
        return value == null || value.isNull() ? null : value.isTextual() ? value.asText() : value.toString();
    }

    /** A request body; the gateway's own JSON trees always serialize. */
    public static byte[] bytes(ObjectMapper mapper, JsonNode body) {
        try {
            return mapper.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot write a request body", e);
        }
    }
}
