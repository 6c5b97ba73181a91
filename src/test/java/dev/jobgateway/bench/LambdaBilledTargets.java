package dev.jobgateway.bench;

import static dev.jobgateway.bench.Stats.fmt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Lambda billed-duration rows of the results file's Targets section and their bullets under "What bounds these
 * figures", from the figures {@code LambdaBilledDurationScenario} (src/test-lambda) puts. Kept here, beside
 * {@link Targets}, because the plain-HTTP build compiles src/test/java without src/test-lambda.
 */
final class LambdaBilledTargets {

    /** The functions, in the order measured: the figure names' {@code <fn>}. */
    static final List<String> FUNCTIONS = List.of("submit", "webhook", "status_read", "status_304", "sweep");

    private LambdaBilledTargets() {
    }

    /**
     * Each function's target, as a ratio of billed ms at p50 to the bare app's in the same run (docs/performance.md,
     * "Lambda billed duration", says why each): what the function does beyond the bare app's constant answer.
     */
    static final Map<String, Double> TARGETS = targets();
    private static final Map<String, String> WHAT = Map.of(
            "submit", "submit (`POST /jobs`: the job written to Redis, handed to the AI server, its id recorded)",
            "webhook", "signed webhook (HMAC, one Lua transition)",
            "status_read", "status read (`GET /jobs/{id}`, 200: one Redis read, the job's JSON)",
            "status_304", "status 304 (`If-None-Match`: one Redis read, no body)",
            "sweep", "scheduled sweep, nothing due (the sweeper's event on the status function)");

    private static Map<String, Double> targets() {
        Map<String, Double> targets = new LinkedHashMap<>();
        targets.put("submit", 5.0);
        targets.put("webhook", 3.0);
        targets.put("status_read", 2.0);
        targets.put("status_304", 1.5);
        targets.put("sweep", 2.0);
        return targets;
    }

    /**
     * The rows for the results file's Targets table ({@code | target | this run | met |}), one per function; one row
     * saying so when the scenario did not run (or failed) in this run.
     */
    static String targetRows(Results results) {
        if (!measured(results)) {
            return "| Lambda billed ms per function ≤ its multiple of a bare Quarkus Lambda app's | not measured in this "
                    + "run | no |\n";
        }
        StringBuilder md = new StringBuilder();
        for (Map.Entry<String, Double> target : TARGETS.entrySet()) {
            String fn = target.getKey();
            double ratio = results.number("ratio_lambda_billed_" + fn + "_to_bare_p50");
            md.append("| Lambda billed ms, ").append(WHAT.get(fn)).append(", p50 ≤ ").append(fmt(target.getValue()))
                    .append("× a bare Quarkus Lambda app's (same run, AWS's runtime client) | ").append(fmt(ratio))
                    .append("× (").append(results.get("lambda_billed_ms_" + fn + "_p50")).append(" vs ")
                    .append(results.get("lambda_billed_ms_bare_p50")).append(" ms; unrounded ")
                    .append(fmt(results.number("ratio_lambda_duration_" + fn + "_to_bare_p50"))).append("×; p99 ")
                    .append(results.get("lambda_billed_ms_" + fn + "_p99")).append(" vs ")
                    .append(results.get("lambda_billed_ms_bare_p99")).append(" ms) | ")
                    .append(ratio <= target.getValue() ? "yes" : "no").append(" |\n");
        }
        return md.toString();
    }

    /** The bullets for "What bounds these figures": how it was measured, CPU per invocation, what sets each figure. */
    static String bounds(Results results) {
        if (!measured(results)) {
            return "";
        }
        StringBuilder md = new StringBuilder();
        md.append("- Lambda billed duration: ").append(results.get("lambda_billed_invocations"))
                .append(". Each invocation is timed by the Runtime API emulator from the event handed to AWS's "
                        + "runtime interface client to its response, rounded up to the next ms as Lambda bills; "
                        + "the bare app (a constant JSON answer) is the floor of Quarkus' Lambda handler under that "
                        + "client on this machine: p50 ")
                .append(results.get("lambda_duration_ms_bare_p50")).append(" ms unrounded, ")
                .append(results.get("lambda_cpu_ms_per_invocation_bare"))
                .append(" ms of process CPU per invocation. At a few ms a rounded-up millisecond is a large step, "
                        + "so each row also gives the unrounded ratio.\n");
        md.append("- Process CPU per invocation (ms, gateway against bare ")
                .append(results.get("lambda_cpu_ms_per_invocation_bare")).append("): ");
        List<String> cpu = new ArrayList<>();
        for (String fn : FUNCTIONS) {
            cpu.add(fn + " " + results.get("lambda_cpu_ms_per_invocation_" + fn));
        }
        md.append(String.join(", ", cpu)).append(". Mean billed ms (what the bill sums): ");
        List<String> means = new ArrayList<>();
        for (String fn : FUNCTIONS) {
            means.add(fn + " " + results.get("lambda_billed_ms_" + fn + "_mean"));
        }
        md.append(String.join(", ", means)).append(", bare ").append(results.get("lambda_billed_ms_bare_mean"))
                .append(".\n");
        md.append("- What sets each: submit writes the job to Redis, waits for the AI server's answer to the "
                + "hand-off (here the simulator on the same machine; on AWS the AI server's own latency, which no "
                + "change of ours removes) and records its id; a webhook verifies an HMAC and runs one Lua transition; a read and a 304 "
                + "are one Redis round trip each (the 304 without the JSON); an idle sweep asks Redis for due jobs and "
                + "finds none. Redis, the simulator and both Lambda processes share the machine's two cores, so "
                + "every Redis round trip here also waits for a core: the p99s are the machine's scheduling.\n");
        return md.toString();
    }

    private static boolean measured(Results results) {
        return FUNCTIONS.stream().allMatch(fn -> results.get("ratio_lambda_billed_" + fn + "_to_bare_p50") != null);
    }
}
