package dev.jobgateway.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark's harness ({@link BenchRun}) in a child JVM, as bench/run.sh runs it, with made-up scenarios
 * ({@link BenchRunFixture}): whatever a scenario does, the run ends, with exit code 1 and one line naming it after a
 * failure, and writes what ran.
 */
class BenchRunTest {

    /** Far more than a run of the fixture takes (about a second); reaching it means the JVM hung. */
    private static final long HUNG_AFTER_SECONDS = 60;

    @TempDir
    Path dir;

    @Test
    void aScenarioThatThrowsEndsTheRunWithOneLineAndAPartialResultsFile() throws Exception {
        Run run = run("throws");

        assertThat(run.exitCode()).isEqualTo(BenchRun.FAILED);
        assertThat(run.lastErrorLine()).startsWith("bench: second failed: IllegalStateException: made to fail");
        String partial = Files.readString(run.resultsFile());
        assertThat(run.resultsFile().getFileName().toString()).endsWith("-partial.md");
        assertThat(partial).contains("**Partial run**: scenario `second` failed: IllegalStateException: made to fail")
                .contains("Ran to their end: first; not run: second, third")
                .contains("| first_figure | 42 |")
                .doesNotContain("third_figure")
                .contains(Targets.NOT_MEASURED);
    }

    @Test
    void aScenarioThatLeavesANonDaemonThreadAndThrowsDoesNotKeepTheJvmUp() throws Exception {
        Run run = run("throws-after-leaving-a-thread");

        assertThat(run.exitCode()).isEqualTo(BenchRun.FAILED);
        assertThat(run.lastErrorLine()).startsWith(
                "bench: second failed: IllegalStateException: made to fail after starting a non-daemon thread");
        assertThat(Files.readString(run.resultsFile())).contains("scenario `second` failed");
    }

    @Test
    void aScenarioThatOverrunsItsDeadlineIsNamedWithWhereItWasStuckAndItsChildProcessIsStopped() throws Exception {
        Run run = run("overruns");

        assertThat(run.exitCode()).isEqualTo(BenchRun.FAILED);
        assertThat(run.lastErrorLine()).startsWith("bench: second failed: did not finish within its deadline of 1.00 s")
                .contains("BenchRunFixture.second");
        assertThat(Files.readString(run.resultsFile())).contains("scenario `second` failed: did not finish");
        long sleeper = Long.parseLong(Files.readString(dir.resolve("work/sleeper.pid")).trim());
        assertThat(ProcessHandle.of(sleeper).filter(ProcessHandle::isAlive)).as("the scenario's child process")
                .isEmpty();
    }

    @Test
    void aRunWhoseScenariosAllSucceedExitsZeroWithACompleteResultsFileDespiteANonDaemonThread() throws Exception {
        Run run = run("succeeds");

        assertThat(run.exitCode()).isZero();
        assertThat(run.resultsFile().getFileName().toString()).doesNotContain("partial");
        assertThat(Files.readString(run.resultsFile())).doesNotContain("Partial run").contains("| third_figure | 7 |");
        assertThat(run.stderr()).doesNotContain("failed");
    }

    @Test
    void aSelectionPrintsItsFiguresAndWritesNoResultsFile() throws Exception {
        Run run = run("succeeds", "first");

        assertThat(run.exitCode()).isZero();
        assertThat(run.stdout()).contains("first_figure = 42").doesNotContain("third_figure");
        assertThat(dir.resolve("results")).doesNotExist();
    }

    @Test
    void aSelectionNamingNoScenarioFailsBeforeAnyRuns() throws Exception {
        Run run = run("succeeds", "frist");

        assertThat(run.exitCode()).isEqualTo(BenchRun.FAILED);
        assertThat(run.lastErrorLine()).startsWith(
                "bench: harness failed: IllegalArgumentException: no scenario named frist (scenarios: first, second, "
                        + "third)");
        assertThat(run.stdout()).doesNotContain("first_figure");
    }

    private record Run(int exitCode, String stdout, String stderr, Path resultsDir) {

        String lastErrorLine() {
            List<String> lines = stderr.lines().filter(line -> !line.isBlank()).toList();
            return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        }

        Path resultsFile() throws IOException {
            try (Stream<Path> files = Files.list(resultsDir)) {
                List<Path> md = files.filter(f -> f.toString().endsWith(".md")).toList();
                assertThat(md).as("results files").hasSize(1);
                return md.get(0);
            }
        }
    }

    private Run run(String how, String... only) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classPath(),
                BenchRunFixture.class.getName(), how, dir.resolve("results").toString(),
                dir.resolve("work").toString()));
        command.addAll(List.of(only));
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .start();
        if (!process.waitFor(HUNG_AFTER_SECONDS, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            fail("the benchmark's JVM was still up after " + HUNG_AFTER_SECONDS + " s: " + Files.readString(err));
        }
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err), dir.resolve("results"));
    }

    /** Surefire's own class path when it runs through a manifest-only jar, else this JVM's. */
    private static String classPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }
}
