package dev.jobgateway.providers.fal;

import java.io.IOException;
import java.net.URI;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.providers.Handoff;

/**
 * Where one fal request's status, result and cancel are. fal's docs (model-endpoints/queue) give them in the submit's
 * answer ({@code status_url}, {@code response_url}, {@code cancel_url}) "so you don't have to build these endpoints
 * yourself": those are kept with the job as its handle ({@link Handoff#handle()}) and used. A job handed off before
 * they were kept has only its model id and request id; its URLs are then built as fal's clients build them, under the
 * app id ({@link #app}).
 */
record FalUrls(URI status, URI result, URI cancel) {

    /**
     * Model ids whose app id has three segments, not two (fal-js {@code ENDPOINT_NAMESPACES} in
     * {@code libs/client/src/utils.ts}; {@code fal_client} {@code APP_NAMESPACES} and {@code AppId} in
     * {@code client.py}).
     */
    static final Set<String> NAMESPACES = Set.of("workflows", "comfy");

    /** Three of them and their names stay within {@link Handoff#MAX_HANDLE_CHARS}. */
    static final int MAX_URL_CHARS = 600;

    /**
     * The app id of a model id, under which its requests live: the first two segments ({@code fal-ai/flux/dev} →
     * {@code fal-ai/flux}), the first three under a namespace ({@code workflows/acme/my-flow/v2} →
     * {@code workflows/acme/my-flow}).
     */
    static String app(String model) {
        String[] parts = model.split("/");
        int length = NAMESPACES.contains(parts[0]) ? 3 : 2;
        return String.join("/", java.util.Arrays.copyOf(parts, Math.min(length, parts.length)));
    }

    /** As fal's clients build them ({@code queue.ts} {@code status}/{@code result}/{@code cancel}): the fallback. */
    static FalUrls built(URI base, String model, String requestId) {
        String request = base.toString() + app(model) + "/requests/" + requestId;
        return new FalUrls(URI.create(request + "/status"), URI.create(request), URI.create(request + "/cancel"));
    }

    /**
     * The URLs a submit's answer gave, or null when it gave no usable ones: each must be under the queue's base URL
     * (the key is sent to them) and at most {@link #MAX_URL_CHARS} long, so that the three fit in a handle.
     */
    static FalUrls answered(JsonNode answer, URI base) {
        URI status = under(base, answer.path("status_url"));
        URI result = under(base, answer.path("response_url"));
        URI cancel = under(base, answer.path("cancel_url"));
        if (status == null || result == null || cancel == null) {
            return null;
        }
        return new FalUrls(status, result, cancel);
    }

    /** The handle kept with the job: {@code {"status_url", "response_url", "cancel_url"}} as fal named them. */
    String handle(ObjectMapper mapper) {
        return mapper.createObjectNode().put("status_url", status.toString()).put("response_url", result.toString())
                .put("cancel_url", cancel.toString()).toString();
    }

    /** The URLs of a kept handle, or null if there is none or it is not usable (then the caller builds them). */
    static FalUrls fromHandle(String handle, URI base, ObjectMapper mapper) {
        if (handle == null || handle.isBlank()) {
            return null;
        }
        try {
            JsonNode kept = mapper.readTree(handle);
            return kept == null || !kept.isObject() ? null : answered(kept, base);
        } catch (IOException e) {
            return null;
        }
    }

    private static URI under(URI base, JsonNode url) {
        if (!url.isTextual() || url.asText().length() > MAX_URL_CHARS || !url.asText().startsWith(base.toString())) {
            return null;
        }
        try {
            URI uri = new URI(url.asText());
            return uri.isAbsolute() && uri.getRawQuery() == null && uri.getRawFragment() == null
                    && !uri.getRawPath().contains("/../") ? uri : null;
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }
}
