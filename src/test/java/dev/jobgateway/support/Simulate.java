package dev.jobgateway.support;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The simulated AI server's knobs ({@code input.simulate}, listed in docs/providers.md) for a test's job, by name:
 * {@code Simulate.webhookDropped().durationMs(100).input()} instead of a hand-built map. {@link #knobs()} is the
 * {@code simulate} object alone (what {@link ProviderCase#submit} takes), {@link #input()} a whole job input with it.
 */
public final class Simulate {

    private final Map<String, Object> knobs = new LinkedHashMap<>();

    private Simulate() {
    }

    /** No knob set: the simulator's defaults (webhooks delivered, a short successful run). */
    public static Simulate defaults() {
        return new Simulate();
    }

    /** The webhook mode: {@code deliver}, {@code drop}, {@code duplicate}, {@code out_of_order}, ... */
    public static Simulate webhook(String mode) {
        return new Simulate().knob("webhook", mode);
    }

    /** No webhook is sent: only a check with the AI server learns how the job went. */
    public static Simulate webhookDropped() {
        return webhook("drop");
    }

    /**
     * A job that neither ends nor announces anything while a test runs (no webhook, a minute long): the job a test
     * reads, waits on, cancels or checks while it stays unfinished.
     */
    public static Map<String, Object> unfinished() {
        return webhookDropped().durationMs(60_000).input();
    }

    public Simulate durationMs(long millis) {
        return knob("duration_ms", millis);
    }

    public Simulate progressSteps(int steps) {
        return knob("progress_steps", steps);
    }

    /** The first {@code count} status checks answer with a server error. */
    public Simulate statusErrors(int count) {
        return knob("status_errors", count);
    }

    /** The job ends as {@code succeeded} (the default) or {@code failed}. */
    public Simulate outcome(String outcome) {
        return knob("outcome", outcome);
    }

    /** Any other knob, by its wire name. */
    public Simulate knob(String name, Object value) {
        knobs.put(name, value);
        return this;
    }

    /** The {@code simulate} object. */
    public Map<String, Object> knobs() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(knobs));
    }

    /** A job input: a prompt and these knobs as its {@code simulate}. */
    public Map<String, Object> input() {
        return Jobs.simulate(knobs());
    }
}
