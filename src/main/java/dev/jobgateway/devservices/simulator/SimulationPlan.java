package dev.jobgateway.devservices.simulator;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How a simulated job behaves, from the optional {@code input.simulate} object, the same for every dialect (generic,
 * Replicate, fal): {@code outcome} ({@code succeeded|failed}, and {@code aborted}: Replicate's never-started
 * prediction; the other dialects fail it), {@code duration_ms}, {@code error_message}, {@code progress_steps},
 * {@code webhook} ({@code deliver|drop|duplicate|out_of_order|delay_ms:N|before_response|shuffled_duplicates}:
 * {@code before_response} finishes the job at once and delivers its final webhook before answering the submit, the
 * race a fast job creates; {@code shuffled_duplicates} sends every webhook three times at random moments within
 * 300 ms, so that copies and reports overtake one another),
 * {@code reject_submits} (refuse the first N submit attempts the way the dialect's AI server refuses work it will
 * take later: 503 for generic, 429 with {@code Retry-After} for Replicate and fal), {@code submit_delay_ms} (answer
 * the submit that much later, like a slow AI server; the job is taken first, so a caller that times out has started
 * it) and {@code slow_submits} (delay only that many attempts, default all; a retry after them is answered at once),
 * {@code fixed_webhook_url} (generic: send webhooks to {@code .../webhooks/generic}, without the job id, like an AI
 * server configured with one webhook URL), {@code status_errors} (answer the first N status calls for the job with
 * 503), {@code status_progress} (generic: report this progress on status calls, even out of range, as a buggy AI
 * server might), {@code status_delay_ms} (answer status calls that much later), {@code queue_position} (fal: the
 * place in the queue reported while the request waits, default 2), {@code payload_error} and {@code fal_failure}
 * (fal: read by {@link FalDialect}, which documents them), {@code queued_ms} (a job planned
 * without progress steps, in a dialect where it starts at once, waits in the queue that long first; ComfyUI reads its
 * knobs from {@code extra_data.simulate}),
 * {@code data_url_bytes} (Cog: the
 * output is a {@code data:} URL of about that many bytes, as a Cog server without an upload URL sends it, instead of
 * a file URL). Refused submits ({@code reject_submits}) are 429 with {@code Retry-After} for RunPod and {@code 409}
 * (every slot busy) for Cog.
 */
record SimulationPlan(String outcome, long durationMs, String errorMessage, int progressSteps, WebhookMode webhook,
        long webhookDelayMs, int rejectSubmits, long submitDelayMs, int slowSubmits, boolean fixedWebhookUrl,
        int statusErrors, Double statusProgress, long statusDelayMs, int queuePosition, boolean payloadError,
        long queuedMs, int dataUrlBytes) {

    static final String SUCCEEDED = "succeeded";
    static final String FAILED = "failed";
    static final String ABORTED = "aborted";

    enum WebhookMode {
        DELIVER,
        DROP,
        DUPLICATE,
        OUT_OF_ORDER,
        DELAY,
        BEFORE_RESPONSE,
        SHUFFLED_DUPLICATES
    }

    boolean succeeds() {
        return SUCCEEDED.equals(outcome);
    }

    boolean aborts() {
        return ABORTED.equals(outcome);
    }

    static SimulationPlan from(JsonNode input) {
        JsonNode simulate = input == null ? null : input.get("simulate");
        if (simulate == null || !simulate.isObject()) {
            simulate = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        }
        String outcome = simulate.path("outcome").asText(SUCCEEDED);
        if (!outcome.equals(FAILED) && !outcome.equals(ABORTED)) {
            outcome = SUCCEEDED;
        }
        long duration = Math.max(0, simulate.path("duration_ms").asLong(1000));
        String error = simulate.path("error_message").asText("The simulated generation failed.");
        int steps = Math.max(0, Math.min(100, simulate.path("progress_steps").asInt(1)));
        String webhook = simulate.path("webhook").asText("deliver");
        WebhookMode mode;
        long delay = 0;
        if (webhook.startsWith("delay_ms:")) {
            mode = WebhookMode.DELAY;
            delay = Long.parseLong(webhook.substring("delay_ms:".length()).trim());
        } else {
            mode = WebhookMode.valueOf(webhook.toUpperCase(java.util.Locale.ROOT));
        }
        int reject = Math.max(0, simulate.path("reject_submits").asInt(0));
        long submitDelay = Math.max(0, Math.min(30_000, simulate.path("submit_delay_ms").asLong(0)));
        boolean fixedUrl = simulate.path("fixed_webhook_url").asBoolean(false);
        int slowSubmits = Math.max(0, simulate.path("slow_submits").asInt(Integer.MAX_VALUE / 2));
        int statusErrors = Math.max(0, simulate.path("status_errors").asInt(0));
        Double statusProgress = simulate.has("status_progress") ? simulate.path("status_progress").asDouble() : null;
        long statusDelay = Math.max(0, Math.min(30_000, simulate.path("status_delay_ms").asLong(0)));
        int queuePosition = Math.max(0, simulate.path("queue_position").asInt(2));
        boolean payloadError = simulate.path("payload_error").asBoolean(false);
        long queued = Math.max(0, Math.min(duration, simulate.path("queued_ms").asLong(0)));
        int dataUrlBytes = Math.max(0, Math.min(64 * 1024 * 1024, simulate.path("data_url_bytes").asInt(0)));
        return new SimulationPlan(outcome, duration, error, steps, mode, delay, reject, submitDelay, slowSubmits,
                fixedUrl, statusErrors, statusProgress, statusDelay, queuePosition, payloadError, queued, dataUrlBytes);
    }
}
