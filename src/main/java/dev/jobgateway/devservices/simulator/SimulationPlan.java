package dev.jobgateway.devservices.simulator;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How a simulated job behaves, from the optional {@code input.simulate} object: {@code outcome}
 * ({@code succeeded|failed}), {@code duration_ms}, {@code error_message}, {@code progress_steps}, {@code webhook}
 * ({@code deliver|drop|duplicate|out_of_order|delay_ms:N|before_response|shuffled_duplicates}: {@code before_response}
 * finishes the job at once and delivers its final webhook before answering the submit, the race a fast job creates;
 * {@code shuffled_duplicates} sends every report three times at random moments within 300 ms, so that copies and
 * reports overtake one another), {@code reject_submits} (answer the first N submit
 * attempts with 503, to exercise the gateway's retries), {@code submit_delay_ms} (answer the submit that much later,
 * like a slow AI server; the job is taken first, so a caller that times out has started it) and {@code slow_submits}
 * (delay only that many attempts, default all; a retry after them is answered at once) and {@code fixed_webhook_url} (send webhooks to {@code .../webhooks/generic}, without the
 * job id, like an AI server configured with one webhook URL: the gateway finds the job by the AI server's id) and
 * {@code status_errors} (answer the first N status calls for the job with 503, to exercise the fallback's handling of
 * an unreachable AI server), {@code status_progress} (report this progress on status calls, even out of range, as
 * a buggy AI server might) and {@code status_delay_ms} (answer status calls that much later).
 */
record SimulationPlan(boolean succeeds, long durationMs, String errorMessage, int progressSteps, WebhookMode webhook,
        long webhookDelayMs, int rejectSubmits, long submitDelayMs, int slowSubmits, boolean fixedWebhookUrl,
        int statusErrors, Double statusProgress, long statusDelayMs) {

    enum WebhookMode {
        DELIVER, DROP, DUPLICATE, OUT_OF_ORDER, DELAY, BEFORE_RESPONSE, SHUFFLED_DUPLICATES
    }

    static SimulationPlan from(JsonNode input) {
        JsonNode simulate = input == null ? null : input.get("simulate");
        if (simulate == null || !simulate.isObject()) {
            simulate = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        }
        boolean succeeds = !"failed".equals(simulate.path("outcome").asText("succeeded"));
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
        return new SimulationPlan(succeeds, duration, error, steps, mode, delay, reject, submitDelay, slowSubmits,
                fixedUrl, statusErrors, statusProgress, statusDelay);
    }
}
