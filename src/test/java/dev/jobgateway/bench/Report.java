package dev.jobgateway.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes {@code <date>.md} and {@code <date>-latency.svg} into the results directory: header, chart, targets,
 * all figures in the order measured, and the raw tool output. Also prints the markdown. A run stopped by a failure
 * writes {@code <date>-partial.md} (and its chart) instead, which says so first, naming the failed scenario: a
 * complete run's file of the same day is never replaced by a partial one.
 */
final class Report {

    private final Results results;

    Report(Results results) {
        this.results = results;
    }

    /**
     * @param polling null when the polling scenario did not run
     * @return the file written
     */
    Path write(Path resultsDir, double[] webhookFirstMs, PollingScenario.Polling polling, BenchRun run,
            List<TargetSource> contributed) throws IOException {
        Files.createDirectories(resultsDir);
        BenchRun.Failure failure = run.failure();
        String name = LocalDate.now() + (failure == null ? "" : "-partial");
        Path svg = resultsDir.resolve(name + "-latency.svg");
        Map<String, double[]> series = new LinkedHashMap<>();
        series.put("webhook-first (wait on A, webhook to B)", webhookFirstMs);
        if (polling != null) {
            series.put("polling every 1 s", polling.every1s());
            series.put("polling every 3 s", polling.every3s());
        }
        Files.writeString(svg, Chart.cdf("Added latency after completion (ms, log scale)", series));
        StringBuilder md = new StringBuilder();
        md.append("# Benchmark results ").append(name).append("\n\n");
        if (failure != null) {
            md.append("**Partial run**: scenario `").append(failure.scenario()).append("` failed: ")
                    .append(failure.reason()).append(". Ran to their end: ")
                    .append(run.ran().isEmpty() ? "none" : String.join(", ", run.ran())).append("; not run: ")
                    .append(String.join(", ", run.notRun()))
                    .append(". The figures below are those of the scenarios that ran.\n\n");
        }
        md.append("Command: `bench/run.sh` (builds the plain HTTP packaging, starts Redis, the simulated AI server "
                + "and two gateway instances on 127.0.0.1).\n\n");
        md.append("Machine: ").append(machine()).append("\n\n");
        md.append("Load average (1 min) of the machine: ").append(results.get("load_average_at_start"))
                .append(" when the scenarios started (the builds just before them count in it), ").append(loadAverage())
                .append(" when they ended, on ").append(cores())
                .append(" cores. Work other than the benchmark's on these cores inflates every figure.\n\n");
        md.append("Everything (load generator, both gateways, Redis, simulator, wrk) shares this machine's cores, "
                + "so ratios are more telling than absolute numbers.\n\n");
        md.append("![latency distribution](").append(svg.getFileName()).append(")\n\n");
        md.append(Targets.markdown(results, contributed));
        if (!results.profiles().isEmpty()) {
            md.append("## Profiles\n\nWhat the gateway's CPU did under wrk in this run (JFR samples; the recording "
                    + "slows the runs it covers a little, so they are extra runs, not the measured ones).\n\n")
                    .append(results.profiles());
        }
        md.append("## All figures\n\n");
        md.append("| measure | value |\n|---|---|\n");
        results.figures().forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        md.append("\n## Raw tool output\n").append(results.toolOutput());
        Path file = resultsDir.resolve(name + ".md");
        Files.writeString(file, md.toString());
        System.out.println(md);
        System.out.println("Wrote " + file + " and " + svg);
        return file;
    }

    /** The 1-minute load average, or "unknown" where /proc/loadavg is not there. */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ", 2)[0];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** Cores, CPU model, memory, Java and kernel: figures from different machines are not comparable. */
    private static String machine() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name")).findFirst().map(l -> l.split(":", 2)[1].trim())
                    .orElse("?");
            String mem = Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("\\s+", " ");
            return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), " + mem + ", Java "
                    + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " "
                    + System.getProperty("os.version");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
