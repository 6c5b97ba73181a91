package dev.jobgateway.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One run of the benchmark: its scenarios by name, one at a time, each on a daemon thread with a deadline, and an end
 * that cannot hang. The first failure (an exception, or a deadline overrun) stops the run: the scenarios after it are
 * skipped, the report covers those that ran, and {@link #execute} ends the JVM with exit code 1 and one line,
 * {@code bench: <scenario> failed: <reason>}, last on standard error. The JVM always exits: a scenario's thread that
 * never returns, a non-daemon executor it left behind or a child process still running cannot keep it up.
 *
 * <p>
 * {@code bench.only} ({@code BENCH_ONLY}), comma-separated scenario names, selects what runs;
 * {@code bench.deadline.factor}
 * multiplies every deadline (a slower machine).
 */
final class BenchRun {

    /** A scenario's work. */
    interface Body {
        void run() throws Exception;
    }

    /** What stopped the run: the scenario (or step) and a one-line reason. */
    record Failure(String scenario, String reason) {

        String line() {
            return "bench: " + scenario + " failed: " + reason;
        }
    }

    /** Exit code of a run stopped by a failure. */
    static final int FAILED = 1;
    /** How long the JVM's own shutdown (hooks, closing) may take before it is halted. */
    private static final Duration EXIT_GRACE = Duration.ofSeconds(20);

    private final List<String> scenarios;
    private final Set<String> only;
    private final double deadlineFactor;
    private final Path work;
    private final List<String> ran = new ArrayList<>();
    private volatile Failure failure;

    /**
     * @param scenarios every scenario of the benchmark, in the order they run
     * @param only the scenarios to run (empty: all)
     * @param work where a failure's stack trace is written ({@code bench-failure.txt})
     */
    BenchRun(List<String> scenarios, Set<String> only, double deadlineFactor, Path work) {
        this.scenarios = List.copyOf(scenarios);
        this.only = Set.copyOf(only);
        this.deadlineFactor = deadlineFactor;
        this.work = work;
    }

    /** With {@code only} and the deadline factor from {@code -Dbench.only} and {@code -Dbench.deadline.factor}. */
    static BenchRun fromSystemProperties(List<String> scenarios, Set<String> only, Path work) {
        return new BenchRun(scenarios, only, Double.parseDouble(System.getProperty("bench.deadline.factor", "1")),
                work);
    }

    /** Fails the run before it starts if {@code only} names a scenario the benchmark does not have. */
    void checkSelection() {
        List<String> unknown = only.stream().filter(name -> !scenarios.contains(name)).toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("no scenario named " + String.join(", ", unknown) + " (scenarios: "
                    + String.join(", ", scenarios) + ")");
        }
    }

    static Set<String> names(String commaSeparated) {
        Set<String> names = new LinkedHashSet<>();
        for (String name : commaSeparated.split(",")) {
            if (!name.isBlank()) {
                names.add(name.trim());
            }
        }
        return names;
    }

    /** Whether only some scenarios were asked for ({@code BENCH_ONLY}): then nothing is written to bench/results. */
    boolean partialSelection() {
        return !only.isEmpty();
    }

    boolean selected(String scenario) {
        return only.isEmpty() || only.contains(scenario);
    }

    boolean anySelected(String... scenarios) {
        return Arrays.stream(scenarios).anyMatch(this::selected);
    }

    /**
     * Runs the scenario if it is selected and nothing failed before it. Returns whether it ran to its end; after a
     * failure or an overrun, the run's {@link #failure()} names it.
     */
    boolean scenario(String name, Duration deadline, Body body) {
        if (!selected(name)) {
            return false;
        }
        if (failure != null) {
            return false;
        }
        boolean done = bounded(name, deadline, body);
        if (done) {
            ran.add(name);
        }
        return done;
    }

    /**
     * Runs a step every selected scenario after it needs (starting Redis and the gateways), under the same rules as a
     * scenario but whatever the selection.
     */
    boolean step(String name, Duration deadline, Body body) {
        return failure == null && bounded(name, deadline, body);
    }

    /**
     * Runs a step even after a failure (stopping the processes of a run), under a deadline; its own failure is
     * reported only if it is the first.
     */
    boolean always(String name, Duration deadline, Body body) {
        return bounded(name, deadline, body);
    }

    private boolean bounded(String name, Duration deadline, Body body) {
        Duration allowed = Duration.ofMillis((long) (deadline.toMillis() * deadlineFactor));
        Throwable[] thrown = new Throwable[1];
        Thread thread = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable t) {
                thrown[0] = t;
            }
        }, "bench-" + name);
        // A daemon: a scenario that never returns cannot keep the JVM up once the run is over.
        thread.setDaemon(true);
        System.out.println("bench: " + name + " (deadline " + seconds(allowed) + " s)");
        long started = System.nanoTime();
        thread.start();
        try {
            thread.join(allowed.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(name, "interrupted", e);
            return false;
        }
        if (thread.isAlive()) {
            StackTraceElement[] stack = thread.getStackTrace();
            RuntimeException overrun = new RuntimeException("overran its deadline");
            overrun.setStackTrace(stack);
            fail(name, "did not finish within its deadline of " + seconds(allowed) + " s (still at " + where(stack)
                    + ")", overrun);
            thread.interrupt();
            return false;
        }
        if (thrown[0] != null) {
            Throwable cause = unwrap(thrown[0]);
            fail(name, oneLine(cause), cause);
            return false;
        }
        System.out.println("bench: " + name + " done in " + seconds(Duration.ofNanos(System.nanoTime() - started))
                + " s");
        return true;
    }

    /** Records a failure outside any scenario (the harness itself, the report). The first failure wins. */
    void fail(String scenario, Throwable cause) {
        Throwable unwrapped = unwrap(cause);
        fail(scenario, oneLine(unwrapped), unwrapped);
    }

    private synchronized void fail(String scenario, String reason, Throwable cause) {
        if (failure != null) {
            return;
        }
        String trace = stackTrace(cause);
        try {
            Files.createDirectories(work);
            Path file = work.resolve("bench-failure.txt");
            Files.writeString(file, scenario + ": " + trace);
            reason = reason + " (stack trace: " + file + ")";
        } catch (IOException e) {
            System.err.print(trace);
        }
        failure = new Failure(scenario, reason);
    }

    Failure failure() {
        return failure;
    }

    /** The scenarios that ran to their end, in order. */
    List<String> ran() {
        return Collections.unmodifiableList(ran);
    }

    /** The selected scenarios that did not run to their end (the failed one included), in order. */
    List<String> notRun() {
        return scenarios.stream().filter(this::selected).filter(name -> !ran.contains(name)).toList();
    }

    /**
     * Runs the plan (its scenarios), then the report of what ran, and ends the JVM: exit code 0, or {@link #FAILED}
     * after a failure, whose one line is then the last thing printed. Never returns.
     */
    void execute(Body plan, Body report) {
        int code = FAILED;
        try {
            try {
                plan.run();
            } catch (Throwable t) {
                fail("harness", t);
            }
            try {
                report.run();
            } catch (Throwable t) {
                fail("report", t);
            }
            code = failure == null ? 0 : FAILED;
        } finally {
            Failure failed = failure;
            System.out.flush();
            if (failed != null) {
                System.err.println(failed.line());
            }
            System.err.flush();
            exit(code);
        }
    }

    /**
     * Stops the processes this JVM started and still runs (a gateway, Redis, wrk or the Node.js peer left by a
     * scenario that never returned), then exits; halts if the exit itself does not end within {@link #EXIT_GRACE}.
     */
    static void exit(int code) {
        Thread halt = new Thread(() -> {
            try {
                Thread.sleep(EXIT_GRACE.toMillis());
            } catch (InterruptedException e) {
                // exiting anyway
            }
            Runtime.getRuntime().halt(code);
        }, "bench-halt");
        halt.setDaemon(true);
        halt.start();
        List<ProcessHandle> children = ProcessHandle.current().descendants().toList();
        children.forEach(ProcessHandle::destroy);
        for (ProcessHandle child : children) {
            try {
                child.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                child.destroyForcibly();
            }
        }
        System.exit(code);
    }

    private static Throwable unwrap(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof ExecutionException || cause instanceof CompletionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** The exception's type and first line of message, short enough for one line. */
    static String oneLine(Throwable t) {
        String message = t.getMessage() == null ? "" : t.getMessage().strip().replaceAll("\\s*\\R\\s*", " / ");
        if (message.length() > 300) {
            message = message.substring(0, 300) + "...";
        }
        return t.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
    }

    /** The first frame of the benchmark's own code on a stuck thread's stack (else its top frame). */
    private static String where(StackTraceElement[] stack) {
        for (StackTraceElement frame : stack) {
            if (frame.getClassName().startsWith("dev.jobgateway.bench.")
                    && !frame.getClassName().equals(BenchRun.class.getName())
                    && !frame.getClassName().startsWith(BenchRun.class.getName() + "$")) {
                return frame.toString();
            }
        }
        return stack.length == 0 ? "an unknown frame" : stack[0].toString();
    }

    private static String stackTrace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    private static String seconds(Duration duration) {
        return Stats.fmt(duration.toMillis() / 1000.0);
    }
}
