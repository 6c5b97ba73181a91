package dev.jobgateway.support;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One provider as the end-to-end tests drive it: how a submit names it, and where its output's first image URL is in
 * a job read (each provider's output is kept as it gives it).
 */
public enum ProviderCase {
    GENERIC("generic", null, "output.images[0].url", "signature"),
    REPLICATE("replicate", "black-forest-labs/flux-schnell", "output[0]", "signature"),
    FAL("fal", "fal-ai/flux/dev", "output.images[0].url", "signature"),
    /** Unsigned: the per-job URL token, and its one (terminal) webhook confirmed by a status call. */
    RUNPOD("runpod", "dev-endpoint", "output.images[0].url", "token+status"),
    /** Unsigned: the per-job URL token and the server's bearer token. */
    COG("cog", null, "output[0]", "token");

    private final String provider;
    private final String model;
    private final String firstImageUrl;
    private final String webhookAuth;

    ProviderCase(String provider, String model, String firstImageUrl, String webhookAuth) {
        this.provider = provider;
        this.model = model;
        this.firstImageUrl = firstImageUrl;
        this.webhookAuth = webhookAuth;
    }

    /** The timeline's {@code authenticated_by} of the webhooks that move a job of this provider. */
    public String webhookAuth() {
        return webhookAuth;
    }

    /** Whether the provider's webhooks carry the per-job URL token instead of a signature. */
    public boolean unsigned() {
        return !webhookAuth.equals("signature");
    }

    public String provider() {
        return provider;
    }

    public String model() {
        return model;
    }

    /** The GPath of the first image's URL in a job read. */
    public String firstImageUrl() {
        return firstImageUrl;
    }

    /** A submit body for this provider: {@code provider}, its model if it has one, and {@code input}. */
    public Map<String, Object> body(Map<String, Object> input) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("provider", provider);
        if (model != null) {
            body.put("model", model);
        }
        body.put("input", input);
        return body;
    }

    /** Submits a job with these {@code simulate} knobs to this provider and returns its id. */
    public String submit(Map<String, Object> knobs) {
        return Jobs.submitBody(body(Jobs.simulate(knobs))).getString("id");
    }

    @Override
    public String toString() {
        return provider;
    }
}
