package dev.jobgateway.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The results file's "Targets" section from the figures of a run, whichever of them it has. */
class TargetsTest {

    @Test
    void aRunWithoutFiguresShowsEveryTargetAsNotMeasured() {
        String md = Targets.markdown(new Results());

        assertThat(md).contains("| 10,000 waits with heap ≤ 256 MB | " + Targets.NOT_MEASURED + " | — |")
                .contains("| gateway CPU per 304 ≤ 0.6× per 200 | " + Targets.NOT_MEASURED + " | — |")
                .doesNotContain("null").doesNotContain("NaN");
    }

    @Test
    void theWakeUpTargetIsAMultipleOfTheFloorMeasuredInTheSameRun() {
        Results results = new Results();
        results.put("wakeup_ms_p50", "2.86");
        results.put("wakeup_ms_p99", "14.62");
        results.put("floor_rtt_ms_p50", "0.95");
        results.put("floor_rtt_ms_p99", "8.11");
        results.put("wakeup_after_ack_ms_p99", "5.08");

        assertThat(Targets.markdown(results)).contains("| wake-up p99 ≤ 2.00× the floor's p99").contains(
                "| 1.80× (p99 14.62 ms from sending the webhook to B, floor p99 8.11 ms; p50 2.86 vs 0.95 ms; 5.08 ms "
                        + "p99 from B's acknowledgement) | yes |");

        results.put("floor_rtt_ms_p99", "5.00");
        assertThat(Targets.markdown(results)).contains("| 2.92× (p99 14.62 ms")
                .contains("| no: bounded by the tail is scheduling on cores shared");
    }

    @Test
    void aMissedTargetSaysWhatBoundsIt() {
        Results results = new Results();
        results.put("ratio_gateway_200_to_peer_200", "1.33");
        results.put("peer_gateway_200_rps", "34556");
        results.put("peer_node_200_rps", "25923");
        results.put("peer_gateway_200_cpu_us_per_request", "37.68");
        results.put("peer_node_200_cpu_us_per_request", "38.42");

        assertThat(Targets.markdown(results)).contains(
                "| status 200 rps ≥ 1.5× the Node.js + ioredis peer's 200 (same run, alternating rounds) | 1.33× "
                        + "(34556 vs 25923 rps; p99 ? vs ? ms) | no: bounded by CPU per read: the gateway's 37.68 µs "
                        + "vs the peer's 38.42 µs");
    }

    @Test
    void contributedRowsAndBoundsJoinTheSectionAndOnesThatCannotRenderReadNotMeasured() {
        Results results = new Results();
        results.put("open_loop_p99_ms", "3.1");
        TargetSource openLoop = TargetSource.of("open-loop latency",
                r -> "| open-loop p99 ≤ 5 ms | " + r.get("open_loop_p99_ms") + " ms | yes |",
                r -> "- Open loop: bounded by nothing here.");
        TargetSource billed = TargetSource.of("Lambda billed duration", r -> {
            throw new IllegalStateException("no figures");
        }, r -> null);

        String md = Targets.markdown(results, List.of(openLoop, billed));

        assertThat(md).contains("| open-loop p99 ≤ 5 ms | 3.1 ms | yes |\n")
                .contains("| Lambda billed duration | " + Targets.NOT_MEASURED + " | — |\n")
                .contains("- Open loop: bounded by nothing here.\n");
        assertThat(md.indexOf("| open-loop p99")).isLessThan(md.indexOf("What bounds these figures"));
    }
}
