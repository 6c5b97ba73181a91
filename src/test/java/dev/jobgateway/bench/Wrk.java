package dev.jobgateway.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * wrk, the HTTP load generator, always with 2 threads and 64 connections so runs stay comparable. Every command
 * line and its output go into the results file.
 */
final class Wrk {

    static final int SECONDS = 10;
    /** A short run before each measured one: the JIT compiles the path first, so the figure is not its work. */
    static final int WARM_UP_SECONDS = 4;

    private final Results results;

    Wrk(Results results) {
        this.results = results;
    }

    /** Requests per second of GETs to one URL, each with the given headers ({@code "Name: value"}). */
    double requestsPerSecond(String url, List<String> headers, int seconds) throws Exception {
        return measure(url, headers, seconds).rps();
    }

    /** One wrk run's rate, its p99 latency (ms, from {@code --latency}) and how many answers were not 2xx/3xx. */
    record Run(double rps, double p99Ms, long non2xx) {
    }

    /** GETs to one URL as {@link #requestsPerSecond}, with the latency distribution. */
    Run measure(String url, List<String> headers, int seconds) throws Exception {
        List<String> command = new ArrayList<>(List.of("wrk", "-t2", "-c64", "-d" + seconds + "s", "--latency"));
        for (String header : headers) {
            command.add("-H");
            command.add(header);
        }
        command.add(url);
        String out = run(command);
        double rps = -1;
        double p99 = Double.NaN;
        long non2xx = 0;
        for (String line : out.split("\n")) {
            String trimmed = line.trim();
            if (trimmed.startsWith("Requests/sec:")) {
                rps = Double.parseDouble(trimmed.substring("Requests/sec:".length()).trim());
            } else if (trimmed.startsWith("99%")) {
                p99 = millis(trimmed.substring(3).trim());
            } else if (trimmed.startsWith("Non-2xx or 3xx responses:")) {
                non2xx = Long.parseLong(trimmed.substring("Non-2xx or 3xx responses:".length()).trim());
            }
        }
        if (rps < 0) {
            throw new IllegalStateException("wrk printed no Requests/sec: " + out);
        }
        return new Run(rps, p99, non2xx);
    }

    /** wrk's latency figures carry their unit: {@code 812.00us}, {@code 1.52ms}, {@code 1.01s}. */
    static double millis(String figure) {
        if (figure.endsWith("us")) {
            return Double.parseDouble(figure.substring(0, figure.length() - 2)) / 1000;
        }
        if (figure.endsWith("ms")) {
            return Double.parseDouble(figure.substring(0, figure.length() - 2));
        }
        if (figure.endsWith("m")) {
            return Double.parseDouble(figure.substring(0, figure.length() - 1)) * 60_000;
        }
        return Double.parseDouble(figure.substring(0, figure.length() - 1)) * 1000;
    }

    /**
     * Replays pre-signed webhooks from {@code file} with bench/webhooks.lua, 2 script threads, and returns wrk's
     * output: the caller needs more of it than the rate (requests sent, non-2xx answers).
     */
    String replay(String baseUrl, Path file, int seconds) throws Exception {
        return run(List.of("wrk", "-t2", "-c64", "-d" + seconds + "s", "-s",
                Path.of("bench", "webhooks.lua").toString(), baseUrl, "--", file.toString(), "2"));
    }

    private String run(List<String> command) throws Exception {
        String out = Exec.run(command);
        results.addToolOutput(command, out);
        return out;
    }
}
