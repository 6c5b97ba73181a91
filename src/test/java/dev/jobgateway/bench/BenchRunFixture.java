package dev.jobgateway.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

/**
 * A benchmark of made-up scenarios for {@link BenchRunTest}, run in a child JVM as bench/run.sh runs the real one:
 * {@code <how> <results dir> <work dir> [only]}. The first scenario always succeeds with one figure; the second
 * behaves as {@code how} says; the third would succeed, if it ran.
 */
final class BenchRunFixture {

    static final List<String> SCENARIOS = List.of("first", "second", "third");

    private BenchRunFixture() {
    }

    public static void main(String[] args) {
        String how = args[0];
        Path resultsDir = Path.of(args[1]);
        Path work = Path.of(args[2]);
        Set<String> only = args.length > 3 ? BenchRun.names(args[3]) : Set.of();
        BenchRun run = new BenchRun(SCENARIOS, only, 1, work);
        Results results = new Results();
        run.execute(() -> {
            run.checkSelection();
            run.scenario("first", Duration.ofSeconds(30), () -> results.put("first_figure", "42"));
            run.scenario("second", Duration.ofSeconds(how.equals("overruns") ? 1 : 30), () -> second(how, work));
            run.scenario("third", Duration.ofSeconds(30), () -> results.put("third_figure", "7"));
        }, () -> {
            if (run.partialSelection()) {
                results.figures().forEach((k, v) -> System.out.println(k + " = " + v));
            } else {
                new Report(results).write(resultsDir, new double[0], null, run, List.of());
            }
        });
    }

    private static void second(String how, Path work) throws Exception {
        switch (how) {
            case "succeeds" -> leaveNonDaemonThread();
            case "throws" -> throw new IllegalStateException("made to fail");
            case "throws-after-leaving-a-thread" -> {
                // What hung the old benchmark: an executor's non-daemon thread still running when the scenario threw.
                leaveNonDaemonThread();
                throw new IllegalStateException("made to fail after starting a non-daemon thread");
            }
            case "overruns" -> {
                // A child process, as wrk or a gateway would be, and a wait that ignores interrupts.
                Process sleeper = new ProcessBuilder("sleep", "300").start();
                Files.createDirectories(work);
                Files.writeString(work.resolve("sleeper.pid"), Long.toString(sleeper.pid()));
                CountDownLatch never = new CountDownLatch(1);
                while (true) {
                    try {
                        never.await();
                    } catch (InterruptedException ignored) {
                        // still stuck
                    }
                }
            }
            default -> throw new IllegalArgumentException(how);
        }
    }

    private static void leaveNonDaemonThread() {
        Executors.newFixedThreadPool(1).submit(() -> {
            new CountDownLatch(1).await();
            return null;
        });
    }
}
