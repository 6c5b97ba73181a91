package dev.jobgateway.simulator;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How a simulated job behaves, from the optional {@code input.simulate} object: {@code outcome}
 * ({@code succeeded|failed}), {@code duration_ms}, {@code error_message}, {@code progress_steps}, {@code webhook}
 * ({@code deliver|drop|duplicate|out_of_order|delay_ms:N|before_response}: the last one finishes the job at once and
 * delivers its final webhook before answering the submit, the race a fast job creates) and {@code reject_submits} (answer the first N submit
 * attempts with 503, to exercise the gateway's retries) and {@code status_errors} (answer the first N status calls
 * for the job with 503, to exercise the fallback's handling of an unreachable AI server).
 */
record SimulationPlan(boolean succeeds, long durationMs, String errorMessage, int progressSteps, WebhookMode webhook,
        long webhookDelayMs, int rejectSubmits, int statusErrors) {

    enum WebhookMode {
        DELIVER, DROP, DUPLICATE, OUT_OF_ORDER, DELAY, BEFORE_RESPONSE
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
        int statusErrors = Math.max(0, simulate.path("status_errors").asInt(0));
        return new SimulationPlan(succeeds, duration, error, steps, mode, delay, reject, statusErrors);
    }
}
