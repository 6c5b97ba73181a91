package dev.jobgateway.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Node.js and npm as the integration tests run them: in one directory of the repository, with its pinned
 * devDependencies installed by {@code npm ci} (from the committed package-lock.json) when they are missing, the
 * output kept in a log file under {@code target/}.
 */
public final class NodeTool {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;

    public NodeTool(Path dir) {
        this.dir = dir;
    }

    /** Whether node and npm are on the PATH (a JDK-only machine has neither). */
    public static boolean available() {
        try {
            Process process = new ProcessBuilder("npm", "--version").redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Whether Node.js must be there: in CI ({@code CI} set) a missing tool fails the test; on a developer's machine
     * without Node the test is skipped, as the README says.
     */
    public static boolean required() {
        return System.getenv("CI") != null;
    }

    /**
     * Runs {@code npm ci} unless every pinned dependency and devDependency is installed at its pinned version. One
     * install at a time in the whole JVM: the Node-driven ITs run concurrently and two of them use {@code clients/js}.
     */
    public void ensureInstalled(Path log) throws IOException {
        synchronized (NodeTool.class) {
            installIfMissing(log);
        }
    }

    private void installIfMissing(Path log) throws IOException {
        JsonNode packageJson = JSON.readTree(dir.resolve("package.json").toFile());
        boolean installed = true;
        List<Map.Entry<String, JsonNode>> wanted = new java.util.ArrayList<>();
        packageJson.path("dependencies").fields().forEachRemaining(wanted::add);
        packageJson.path("devDependencies").fields().forEachRemaining(wanted::add);
        for (Iterator<Map.Entry<String, JsonNode>> it = wanted.iterator(); it.hasNext();) {
            Map.Entry<String, JsonNode> dependency = it.next();
            Path manifest = dir.resolve("node_modules").resolve(dependency.getKey()).resolve("package.json");
            installed &= Files.exists(manifest)
                    && JSON.readTree(manifest.toFile()).path("version").asText().equals(dependency.getValue().asText());
        }
        if (installed) {
            return;
        }
        Result install = run(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), 600, log);
        if (install.exit() != 0) {
            throw new IllegalStateException("npm ci in " + dir + " failed:\n" + install.output());
        }
    }

    /** Runs a command in the directory with extra environment variables; the output goes to {@code log} too. */
    public Result run(List<String> command, Map<String, String> env, int timeoutSeconds, Path log) throws IOException {
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(env);
        Process process = builder.start();
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException(String.join(" ", command) + " did not finish in " + timeoutSeconds
                        + " s:\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    /** A finished command: its exit code and everything it printed. */
    public record Result(int exit, String output) {
    }
}
