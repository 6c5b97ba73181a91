package dev.jobgateway.devservices.simulator;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One simulated generation, whatever the dialect: its state over time as {@code input.simulate} plans it, in
 * neutral words ({@code queued, running, succeeded, failed, cancelled, aborted}); its dialect turns each step into that
 * AI server's webhooks and answers. Delivery modes ({@code drop}, {@code duplicate}, ...) apply to every dialect here.
 */
final class SimJob {

    final SimulatedAiServer server;
    final Dialect dialect;
    final String id;
    final JsonNode input;
    final URI webhookUrl;
    final SimulationPlan plan;
    final Instant createdAt = Instant.now();
    /** Dialect-specific facts (Replicate's model and logs, fal's app, ...). */
    final ObjectNode facts;
    /** The submit's request headers, by lower-case name (tests read e.g. {@code cancel-after}). */
    final Map<String, String> submitHeaders = new ConcurrentHashMap<>();
    final AtomicInteger statusCalls = new AtomicInteger();
    private final List<ScheduledFuture<?>> timers = new ArrayList<>();
    private final List<SimWebhook> heldBack = new ArrayList<>();
    String status = "queued";
    Double progress;
    JsonNode output;
    String errorMessage;
    Instant startedAt;
    Instant completedAt;

    SimJob(SimulatedAiServer server, Dialect dialect, String id, JsonNode input, URI webhookUrl, SimulationPlan plan) {
        this.server = server;
        this.dialect = dialect;
        this.id = id;
        this.input = input;
        this.webhookUrl = webhookUrl;
        this.plan = plan;
        this.facts = server.mapper().createObjectNode();
    }

    /**
     * Plans the generation: started at the first progress step (without steps: at once, where the dialect has a start
     * of its own), then finished.
     */
    synchronized void schedule() {
        if (plan.aborts()) {
            later(this::finish, plan.durationMs());
            return;
        }
        int steps = plan.progressSteps();
        if (steps == 0 && dialect.startsWithoutProgress()) {
            later(() -> advance(null), plan.queuedMs());
        }
        for (int i = 1; i <= steps; i++) {
            double fraction = (double) i / (steps + 1);
            double reported = Math.round(fraction * 100) / 100.0;
            later(() -> advance(reported), Math.round(plan.durationMs() * fraction));
        }
        later(this::finish, plan.durationMs());
    }

    void later(Runnable step, long delayMs) {
        synchronized (this) {
            timers.add(server.timers().schedule(step, Math.max(0, delayMs), TimeUnit.MILLISECONDS));
        }
    }

    synchronized void advance(Double newProgress) {
        if (isTerminal()) {
            return;
        }
        if (!status.equals("running")) {
            status = "running";
            startedAt = Instant.now();
            dialect.started(this);
        }
        if (newProgress != null) {
            progress = newProgress;
            dialect.progressed(this);
        }
    }

    synchronized void finish() {
        if (isTerminal()) {
            return;
        }
        if (plan.aborts() && status.equals("queued")) {
            status = "aborted";
            errorMessage = null;
        } else if (plan.succeeds()) {
            status = "succeeded";
            progress = 1.0;
            output = dialect.output(this);
        } else {
            status = "failed";
            errorMessage = plan.errorMessage();
        }
        completedAt = Instant.now();
        dialect.finished(this);
    }

    /** Forgotten by its AI server (a restart): nothing more happens to it. */
    synchronized void forget() {
        timers.forEach(timer -> timer.cancel(false));
    }

    /**
     * Stopped from outside (a cancel call, Replicate's {@code Cancel-After}, RunPod's execution timeout:
     * {@code timed_out}); false if it had ended.
     */
    synchronized boolean cancel(String how) {
        if (isTerminal()) {
            return false;
        }
        timers.forEach(timer -> timer.cancel(false));
        status = how;
        completedAt = Instant.now();
        dialect.finished(this);
        return true;
    }

    boolean isTerminal() {
        return switch (status) {
            case "succeeded", "failed", "cancelled", "aborted", "timed_out" -> true;
            default -> false;
        };
    }

    /** Sends a webhook as the plan's delivery mode says. */
    synchronized void emit(SimWebhook webhook) {
        switch (plan.webhook()) {
            case DROP -> {
            }
            case DELIVER -> server.send(webhook, 0);
            case BEFORE_RESPONSE -> server.deliverNow(webhook);
            case DELAY -> server.send(webhook, plan.webhookDelayMs());
            case DUPLICATE -> {
                // Redeliveries of one message: the same id, the same body.
                server.send(webhook, 0);
                server.send(webhook, 20);
                server.send(webhook, 60);
            }
            case SHUFFLED_DUPLICATES -> {
                // Each report three times, at random moments, so copies and reports overtake one another.
                for (int copy = 0; copy < 3; copy++) {
                    server.send(webhook, java.util.concurrent.ThreadLocalRandom.current()
                            .nextLong(SimulatedAiServer.SHUFFLE_WINDOW_MS));
                }
            }
            case OUT_OF_ORDER -> {
                heldBack.add(webhook);
                if (webhook.terminal()) {
                    for (int i = heldBack.size() - 1; i >= 0; i--) {
                        server.send(heldBack.get(i), (heldBack.size() - 1 - i) * 20L);
                    }
                }
            }
        }
    }
}
