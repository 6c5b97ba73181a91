package dev.jobgateway.bench;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an external command (wrk, redis-benchmark, redis-cli, ss, getconf) and returns what it printed. */
final class Exec {

    private Exec() {
    }

    /** Standard output and error together: the tools print their figures on either. */
    static String run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return out;
    }
}
