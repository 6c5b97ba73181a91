package dev.jobgateway.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The Serverless Framework v3 pinned in {@code tools/serverless} (installed with {@code npm ci} when missing), run
 * from the repository root as a user runs it. {@code serverless package} needs no AWS credentials and no network;
 * the install does need the npm registry once.
 */
final class ServerlessCli {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final Path tools;

    ServerlessCli(Path root) {
        this.root = root;
        this.tools = root.resolve("tools/serverless");
    }

    /** Whether node and npm are on the PATH (a JDK-only machine has neither). */
    static boolean nodeAvailable() {
        try {
            return run(Path.of("."), List.of("npm", "--version"), Map.of(), 60).exit == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** Installs the pinned version unless node_modules already holds it. */
    void ensureInstalled() throws IOException {
        String pinned = JSON.readTree(tools.resolve("package.json").toFile())
                .path("devDependencies").path("serverless").asText();
        Path installed = tools.resolve("node_modules/serverless/package.json");
        if (Files.exists(installed) && JSON.readTree(installed.toFile()).path("version").asText().equals(pinned)) {
            return;
        }
        Result install = run(tools, List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), 600);
        if (install.exit != 0) {
            throw new IllegalStateException("npm ci in tools/serverless failed:\n" + install.output);
        }
    }

    /** Runs {@code serverless package} into {@code outputDir} and returns the CloudFormation template it renders. */
    JsonNode render(Path outputDir, Map<String, String> params) throws IOException {
        List<String> command = new ArrayList<>(List.of("node",
                tools.resolve("node_modules/serverless/bin/serverless.js").toString(),
                "package", "--stage", "ci", "--region", "us-east-1", "--package", outputDir.toString()));
        params.forEach((name, value) -> command.add("--param=" + name + "=" + value));
        Result result = run(root, command, Map.of(), 300);
        if (result.exit != 0) {
            throw new IllegalStateException("serverless package failed:\n" + result.output);
        }
        return JSON.readTree(outputDir.resolve("cloudformation-template-update-stack.json").toFile());
    }

    private static Result run(Path dir, List<String> command, Map<String, String> extraEnv, int timeoutSeconds)
            throws IOException {
        Path output = Files.createTempFile("serverless-cli", ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            Map<String, String> env = builder.environment();
            // Packaging must not depend on whoever runs the build: no credentials, no profile, no telemetry.
            env.keySet().removeIf(name -> name.startsWith("AWS_"));
            env.put("AWS_SDK_LOAD_CONFIG", "0");
            env.put("AWS_CONFIG_FILE", "/dev/null");
            env.put("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
            env.put("SLS_TELEMETRY_DISABLED", "1");
            env.put("SLS_NOTIFICATIONS_MODE", "off");
            env.put("SLS_DEPRECATION_DISABLE", "*");
            env.putAll(extraEnv);
            Process process = builder.start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in " + timeoutSeconds
                        + " s:\n" + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private record Result(int exit, String output) {
    }
}
