package dev.jobgateway.lambda;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One Lambda execution environment running the unpacked {@code function.zip}: for the JVM artifact, AWS's runtime
 * interface client on the java21 runtime's class path, started as the managed runtime starts it (task root as
 * working directory, handler as argument, the runtime's JVM flags); for a native artifact, its {@code bootstrap}.
 * Freezing and thawing use SIGSTOP and SIGCONT, which is what Lambda does to an idle environment in effect.
 */
final class LambdaInstance implements AutoCloseable {

    static final String HANDLER = "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest";
    private static final String RIC_MAIN = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";
    /** The flags the java21 managed runtime starts the JVM with (heap sized for a 1024 MB function). */
    private static final List<String> LAMBDA_JVM_FLAGS = List.of("-XX:MaxHeapSize=870m", "-XX:+UseSerialGC",
            "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-Djava.net.preferIPv4Stack=true");

    private final String name;
    private final Process process;
    private final Path log;
    private final long startedNanos;

    private LambdaInstance(String name, Process process, Path log, long startedNanos) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.startedNanos = startedNanos;
    }

    /**
     * Starts an environment.
     *
     * @param taskRoot the unpacked function.zip ({@code /var/task} on Lambda)
     * @param runtimeClasspath the jars of AWS's runtime interface client (ignored for a native artifact)
     * @param env the function's environment variables (configuration) on top of the ones Lambda sets
     */
    static LambdaInstance start(String name, Path taskRoot, Path runtimeClasspath, String runtimeApi,
            Map<String, String> env, Path logDir) throws IOException {
        List<String> command = new ArrayList<>();
        Path bootstrap = taskRoot.resolve("bootstrap");
        if (Files.exists(bootstrap)) {
            command.add(bootstrap.toString());
        } else {
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(LAMBDA_JVM_FLAGS);
            command.add("-cp");
            command.add(classpath(runtimeClasspath));
            command.add(RIC_MAIN);
            command.add(HANDLER);
        }
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(taskRoot.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> environment = builder.environment();
        String path = environment.get("PATH");
        environment.clear();
        environment.put("PATH", path == null ? "/usr/bin:/bin" : path);
        environment.put("LANG", "en_US.UTF-8");
        environment.put("TZ", ":UTC");
        environment.put("AWS_LAMBDA_RUNTIME_API", runtimeApi);
        environment.put("LAMBDA_TASK_ROOT", taskRoot.toString());
        environment.put("_HANDLER", HANDLER);
        environment.put("AWS_EXECUTION_ENV", "AWS_Lambda_java21");
        environment.put("AWS_LAMBDA_FUNCTION_NAME", "job-gateway-it-status");
        environment.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        environment.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024");
        environment.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        environment.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/job-gateway-it-status");
        environment.put("AWS_LAMBDA_LOG_STREAM_NAME", name);
        environment.put("AWS_REGION", "us-east-1");
        environment.put("AWS_DEFAULT_REGION", "us-east-1");
        environment.putAll(env);
        long started = System.nanoTime();
        return new LambdaInstance(name, builder.start(), log, started);
    }

    private static String classpath(Path dir) throws IOException {
        try (Stream<Path> jars = Files.list(dir)) {
            List<String> entries = jars.filter(p -> p.toString().endsWith(".jar")).map(Path::toString).sorted()
                    .toList();
            if (entries.isEmpty()) {
                throw new IllegalStateException("No runtime interface client jars in " + dir
                        + " (copied there by the lambda profile in pre-integration-test)");
            }
            return String.join(java.io.File.pathSeparator, entries);
        }
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    long startedNanos() {
        return startedNanos;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    int exitValue() {
        return process.exitValue();
    }

    Path log() {
        return log;
    }

    String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What Lambda does to an environment between invocations: not one instruction runs until {@link #thaw()}. */
    void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    void thaw() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        try {
            thaw();
        } catch (IOException | InterruptedException | RuntimeException ignored) {
            // a stopped process still dies of SIGKILL below
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
