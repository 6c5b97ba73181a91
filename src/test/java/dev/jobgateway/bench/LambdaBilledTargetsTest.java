package dev.jobgateway.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The Lambda billed-duration rows of the Targets section, from a run's figures. */
class LambdaBilledTargetsTest {

    @Test
    void eachFunctionIsARowMetWhenItsBilledMedianIsWithinItsMultipleOfTheBareApps() {
        Results results = figures("1.67x", "3.50x");

        String rows = LambdaBilledTargets.targetRows(results);

        assertThat(rows.lines()).hasSize(LambdaBilledTargets.FUNCTIONS.size()).allMatch(row -> row.startsWith("| ")
                && row.endsWith(" |"));
        assertThat(rows.lines().filter(row -> row.contains("status read"))).singleElement().asString()
                .contains("p50 ≤ 2.00×").contains("| 1.67× (5 vs 3 ms; unrounded 1.82×; p99 19 vs 11 ms)")
                .endsWith("| yes |");
        assertThat(rows.lines().filter(row -> row.contains("signed webhook"))).singleElement().asString()
                .contains("p50 ≤ 3.00×").endsWith("| no |");
        assertThat(LambdaBilledTargets.bounds(results)).contains("submit 7.13").contains("bare 3.49");
    }

    @Test
    void aRunWithoutTheScenarioSaysItWasNotMeasured() {
        Results results = new Results();

        assertThat(LambdaBilledTargets.targetRows(results)).contains("not measured in this run").endsWith("| no |\n");
        assertThat(LambdaBilledTargets.bounds(results)).isEmpty();
    }

    private static Results figures(String statusReadRatio, String webhookRatio) {
        Results results = new Results();
        results.put("lambda_billed_invocations", "300 each");
        for (String fn : LambdaBilledTargets.FUNCTIONS) {
            results.put("lambda_billed_ms_" + fn + "_p50", "5");
            results.put("lambda_billed_ms_" + fn + "_p99", "19");
            results.put("lambda_billed_ms_" + fn + "_mean", "5.94");
            results.put("lambda_cpu_ms_per_invocation_" + fn, fn.equals("submit") ? "7.13" : "2.00");
            results.put("ratio_lambda_duration_" + fn + "_to_bare_p50", "1.82x");
            results.put("ratio_lambda_billed_" + fn + "_to_bare_p50", "1.00x");
        }
        results.put("ratio_lambda_billed_status_read_to_bare_p50", statusReadRatio);
        results.put("ratio_lambda_billed_webhook_to_bare_p50", webhookRatio);
        results.put("lambda_billed_ms_bare_p50", "3");
        results.put("lambda_billed_ms_bare_p99", "11");
        results.put("lambda_billed_ms_bare_mean", "3.49");
        results.put("lambda_duration_ms_bare_p50", "2.24");
        results.put("lambda_cpu_ms_per_invocation_bare", "2.15");
        return results;
    }
}
