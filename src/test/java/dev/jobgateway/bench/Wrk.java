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
        List<String> command = new ArrayList<>(List.of("wrk", "-t2", "-c64", "-d" + seconds + "s"));
        for (String header : headers) {
            command.add("-H");
            command.add(header);
        }
        command.add(url);
        String out = run(command);
        for (String line : out.split("\n")) {
            if (line.startsWith("Requests/sec:")) {
                return Double.parseDouble(line.substring("Requests/sec:".length()).trim());
            }
        }
        throw new IllegalStateException("wrk printed no Requests/sec: " + out);
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
