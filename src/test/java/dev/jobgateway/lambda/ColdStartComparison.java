package dev.jobgateway.lambda;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.jobgateway.devservices.LocalRedisServer;

/**
 * Cold starts of two unpacked {@code function.zip}s side by side (e.g. before and after a change), under AWS's runtime
 * interface client as {@link LambdaRuntimeContractIT} runs them: process start to the answer of the first event, the
 * two artifacts alternating so that the machine's load weighs on both alike. Prints each run and the medians.
 *
 * <pre>
 * java -cp target/test-classes:target/classes:$(cat cp.txt) dev.jobgateway.lambda.ColdStartComparison \
 *     /tmp/before-task-root /tmp/after-task-root target/lambda-runtime-client 7
 * </pre>
 */
public final class ColdStartComparison {

    private ColdStartComparison() {
    }

    public static void main(String[] args) throws Exception {
        Path before = Path.of(args[0]);
        Path after = Path.of(args[1]);
        Path runtimeClient = Path.of(args[2]);
        int runs = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        Path logs = Files.createTempDirectory("cold-start");
        LocalRedisServer redis = LocalRedisServer.startOnFreePort();
        List<Long> beforeMs = new ArrayList<>();
        List<Long> afterMs = new ArrayList<>();
        List<Long> beforeCpu = new ArrayList<>();
        List<Long> afterCpu = new ArrayList<>();
        try {
            // One warm-up of each (page cache, JIT of the emulator), not counted.
            coldStart(before, runtimeClient, redis, logs, "warmup-before");
            coldStart(after, runtimeClient, redis, logs, "warmup-after");
            for (int i = 0; i < runs; i++) {
                // Alternate which goes first, so neither always runs right after the other.
                boolean beforeFirst = i % 2 == 0;
                long[] a = beforeFirst ? coldStart(before, runtimeClient, redis, logs, "before-" + i) : null;
                long[] b = coldStart(after, runtimeClient, redis, logs, "after-" + i);
                if (!beforeFirst) {
                    a = coldStart(before, runtimeClient, redis, logs, "before-" + i);
                }
                beforeMs.add(a[0]);
                afterMs.add(b[0]);
                beforeCpu.add(a[1]);
                afterCpu.add(b[1]);
                System.out.printf("run %d: before %d ms (%d ms CPU), after %d ms (%d ms CPU)%n", i + 1, a[0], a[1],
                        b[0],
                        b[1]);
            }
        } finally {
            redis.stop();
        }
        long medianBefore = median(beforeMs);
        long medianAfter = median(afterMs);
        System.out.printf("before: %s, median %d ms%nafter:  %s, median %d ms%nafter/before: %.3f%n", beforeMs,
                medianBefore, afterMs, medianAfter, (double) medianAfter / medianBefore);
        // CPU spent by the process until its first answer: steadier than wall time on a shared machine.
        System.out.printf("CPU before: %s, median %d ms%nCPU after:  %s, median %d ms%nCPU after/before: %.3f%n",
                beforeCpu, median(beforeCpu), afterCpu, median(afterCpu),
                (double) median(afterCpu) / median(beforeCpu));
    }

    /** Wall time and the process's CPU time (user + system), in ms, from its start to its first answer. */
    private static long[] coldStart(Path taskRoot, Path runtimeClient, LocalRedisServer redis, Path logs, String name)
            throws Exception {
        try (RuntimeApiEmulator runtime = RuntimeApiEmulator.startOnFreePort()) {
            Map<String, String> env = new HashMap<>();
            env.put("REDIS_URL", "redis://127.0.0.1:" + redis.port());
            env.put("GATEWAY_PROVIDERS_GENERIC_URL", "http://127.0.0.1:9");
            env.put("GATEWAY_PROVIDERS_GENERIC_WEBHOOK_SECRETS", "whsec_Y29sZC1zdGFydC1jb21wYXJpc29uLXNlY3JldA==");
            env.put("GATEWAY_PUBLIC_BASE_URL", "https://itapi.execute-api.us-east-1.amazonaws.com");
            env.put("GATEWAY_API_KEYS", "cold-start-key=cold");
            env.put("DISABLE_SIGNAL_HANDLERS", "true");
            try (LambdaInstance instance = LambdaInstance.start(name, taskRoot, runtimeClient, runtime.runtimeApi(),
                    env, logs)) {
                ApiGatewayV2.Response health = ApiGatewayV2.Response.parse(runtime.invoke(
                        ApiGatewayV2.request("GET", "/q/health/ready", "/q/health/ready").toJson(),
                        Duration.ofSeconds(60)));
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - instance.startedNanos());
                long cpuMs = cpuMs(instance.pid());
                if (health.statusCode() != 200) {
                    throw new IllegalStateException(name + " answered " + health.statusCode() + "; log: "
                            + instance.log());
                }
                return new long[] { ms, cpuMs };
            }
        }
    }

    private static long cpuMs(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        Process getconf = new ProcessBuilder("getconf", "CLK_TCK").start();
        long perSecond = Long.parseLong(new String(getconf.getInputStream().readAllBytes()).trim());
        return ticks * 1000 / perSecond;
    }

    private static long median(List<Long> values) {
        long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    static String show(long[] values) {
        return Arrays.toString(values);
    }
}
