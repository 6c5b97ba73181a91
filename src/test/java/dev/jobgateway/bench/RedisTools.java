package dev.jobgateway.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** redis-benchmark, redis-cli and ss against the run's own Redis. */
final class RedisTools {

    static final int BENCHMARK_REQUESTS = 300_000;

    private final int port;
    private final Results results;

    RedisTools(int port, Results results) {
        this.port = port;
        this.results = results;
    }

    /**
     * Requests per second of one command under redis-benchmark (64 clients, as many as wrk's connections): the
     * ceiling a gateway read built on that command is compared with.
     */
    double benchmark(String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of("redis-benchmark", "-h", "127.0.0.1", "-p",
                Integer.toString(port), "-c", "64", "-n", Integer.toString(BENCHMARK_REQUESTS), "-q"));
        args.addAll(List.of(command));
        String out = Exec.run(args);
        results.addToolOutput(args, out);
        // redis-benchmark prints running rates before the final one: the last match is the result.
        Matcher m = Pattern.compile("([0-9.]+) requests per second").matcher(out);
        double last = -1;
        while (m.find()) {
            last = Double.parseDouble(m.group(1));
        }
        if (last < 0) {
            throw new IllegalStateException("redis-benchmark printed no rate: " + out);
        }
        return last;
    }

    String cli(String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
        args.addAll(List.of(command));
        return Exec.run(args);
    }

    /** The redis-server process id, for its CPU time. */
    long serverPid() throws Exception {
        return Long.parseLong(cli("INFO", "server").lines().filter(line -> line.startsWith("process_id:"))
                .findFirst().orElseThrow().substring(11).trim());
    }

    /** TCP connections from one process to this Redis, from the kernel's socket table. */
    String connectionsFrom(long pid) throws Exception {
        String out = Exec.run(List.of("ss", "-tnp", "dst", "127.0.0.1:" + port));
        long count = Arrays.stream(out.split("\n")).filter(line -> line.contains("pid=" + pid + ",")).count();
        return Long.toString(count);
    }
}
