package dev.jobgateway.bench;

import java.util.function.Function;

/**
 * Target rows and what bounds them, contributed to the results file's "Targets" section by a scenario that keeps its
 * own targets (open-loop latency, Lambda billed duration, the cluster rows): {@code rows} gives markdown table rows
 * ({@code | target | this run | met |}), {@code bounds} markdown bullets. Either may find its figures missing (the
 * scenario did not run, or failed): {@link Targets} then shows "not measured in this run" for that source.
 *
 * @param name what the rows are about, for the row shown when they cannot be rendered
 */
record TargetSource(String name, Function<Results, String> rows, Function<Results, String> bounds) {

    /**
     * {@code TargetSource.of("open-loop latency", OpenLoopLatencyScenario::targetRows, OpenLoopLatencyScenario::bounds)}
     */
    static TargetSource of(String name, Function<Results, String> rows, Function<Results, String> bounds) {
        return new TargetSource(name, rows, bounds);
    }
}
