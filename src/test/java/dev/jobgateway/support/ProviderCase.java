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
    COG("cog", null, "output[0]", "token"),
    /** Poll-only: no webhooks; its input is a workflow graph, the knobs ride in {@code extra_data.simulate}. */
    COMFYUI("comfyui", null, "output.images[0].url", "none");

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
        return webhookAuth.startsWith("token");
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

    /** Whether the provider sends no webhooks, so that the gateway learns everything by polling it. */
    public boolean pollOnly() {
        return this == COMFYUI;
    }

    /**
     * A submit body for this provider: {@code provider}, its model if it has one, and {@code input} (for ComfyUI, a
     * small text-to-image workflow carrying {@code input}'s {@code simulate} knobs in {@code extra_data}).
     */
    public Map<String, Object> body(Map<String, Object> input) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("provider", provider);
        if (model != null) {
            body.put("model", model);
        }
        body.put("input", this == COMFYUI ? comfyInput(input) : input);
        return body;
    }

    /** A text-to-image workflow in ComfyUI's API format, with the {@code simulate} knobs of {@code input}. */
    public static Map<String, Object> comfyInput(Map<String, Object> input) {
        Map<String, Object> comfy = new LinkedHashMap<>();
        comfy.put("workflow", workflow(String.valueOf(input.getOrDefault("prompt", "a lighthouse at dusk"))));
        if (input.containsKey("simulate")) {
            comfy.put("extra_data", Map.of("simulate", input.get("simulate")));
        }
        return comfy;
    }

    /** Checkpoint → prompt → sampler → decode → save, as ComfyUI's default workflow exported in API format. */
    public static Map<String, Object> workflow(String prompt) {
        Map<String, Object> graph = new LinkedHashMap<>();
        graph.put("4", Map.of("class_type", "CheckpointLoaderSimple", "inputs",
                Map.of("ckpt_name", "sd_xl_base_1.0.safetensors")));
        graph.put("6", Map.of("class_type", "CLIPTextEncode", "inputs", Map.of("text", prompt, "clip",
                java.util.List.of("4", 1))));
        graph.put("5", Map.of("class_type", "EmptyLatentImage", "inputs", Map.of("width", 1024, "height", 1024,
                "batch_size", 1)));
        graph.put("3", Map.of("class_type", "KSampler", "inputs", Map.of("seed", 42, "steps", 20, "cfg", 7,
                "sampler_name", "euler", "scheduler", "normal", "denoise", 1, "model", java.util.List.of("4", 0),
                "positive", java.util.List.of("6", 0), "negative", java.util.List.of("6", 0), "latent_image",
                java.util.List.of("5", 0))));
        graph.put("8", Map.of("class_type", "VAEDecode", "inputs", Map.of("samples", java.util.List.of("3", 0),
                "vae", java.util.List.of("4", 2))));
        graph.put("9", Map.of("class_type", "SaveImage", "inputs", Map.of("filename_prefix", "ComfyUI", "images",
                java.util.List.of("8", 0))));
        return graph;
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
