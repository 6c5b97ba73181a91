package dev.jobgateway.devservices;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

/**
 * A throwaway {@code redis-server} process for dev mode, tests and benchmarks: never persisted (unless a test passes
 * its own persistence settings), on a free loopback port. The binary is {@code $REDIS_SERVER_BIN}, else the one
 * shipped in the {@code embedded-redis} jar (a dev/test-only dependency), else {@code redis-server} on the PATH.
 */
public final class LocalRedisServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LocalRedisServer.class);
    private static final String BUNDLED_LINUX_AMD64 = "redis-server-6.2.6-v5-linux-amd64";
    private static final String BUNDLED_LINUX_ARM64 = "redis-server-6.2.7-linux-arm64";
    private static final String BUNDLED_MAC_AMD64 = "redis-server-6.2.6-v5-darwin-amd64";
    private static final String BUNDLED_MAC_ARM64 = "redis-server-6.2.6-v5-darwin-arm64";

    private final int port;
    private final List<String> extraArguments;
    private final Path directory;
    private Process process;

    public LocalRedisServer(int port) {
        this(port, List.of(), null);
    }

    /**
     * @param extraArguments settings after the defaults, which they override (e.g. {@code --appendonly yes},
     *        {@code --cluster-enabled yes})
     * @param directory the server's working directory (its {@code dir}: AOF, RDB, cluster nodes file) and where its
     *        output goes ({@code redis.log}); null for none, the output then goes to this JVM's log at DEBUG
     */
    public LocalRedisServer(int port, List<String> extraArguments, Path directory) {
        this.port = port;
        this.extraArguments = List.copyOf(extraArguments);
        this.directory = directory;
    }

    /** Starts a server on a free port. */
    public static LocalRedisServer startOnFreePort() {
        LocalRedisServer server = new LocalRedisServer(freePort());
        server.start();
        return server;
    }

    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of(binary().toString(),
                "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--protected-mode", "no", "--loglevel", "warning"));
        if (directory != null) {
            command.addAll(List.of("--dir", directory.toString()));
        }
        command.addAll(extraArguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        try {
            if (directory != null) {
                Files.createDirectories(directory);
                builder.directory(directory.toFile())
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("redis.log").toFile()));
            }
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start redis-server", e);
        }
        awaitReady();
        LOG.infof("Local Redis started on %s (pid %d)", uri(), process.pid());
    }

    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Ends the process at once (SIGKILL), as a crash would: no final write of anything. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Freezes the process (SIGSTOP): it keeps its sockets but answers nothing, like a hung or partitioned node. */
    public void pause() {
        signal("STOP");
    }

    /** Lets a paused process run again (SIGCONT). */
    public void resume() {
        signal("CONT");
    }

    private synchronized void signal(String name) {
        if (process == null) {
            throw new IllegalStateException("redis-server on port " + port + " is not running");
        }
        signal(process.pid(), name);
    }

    /** Sends a signal ({@code STOP}, {@code CONT}, {@code KILL}) to a process. */
    static void signal(long pid, String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + pid + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The running process (for a cleanup that must not depend on this class), or null. */
    synchronized Process process() {
        return process;
    }

    /** The process id, or -1 when not running. */
    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    @Override
    public void close() {
        stop();
    }

    public int port() {
        return port;
    }

    public URI uri() {
        return URI.create("redis://127.0.0.1:" + port);
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Polls the port until the server accepts connections: its log line differs between versions. */
    private void awaitReady() {
        Process started = process;
        if (directory == null) {
            pumpOutput(started);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!started.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + started.exitValue()
                        + " while starting on port " + port);
            }
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                sleep(20);
            }
        }
        throw new IllegalStateException("redis-server did not accept connections on port " + port + " within 10 s");
    }

    private static void pumpOutput(Process started) {
        Thread pump = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    LOG.debugf("redis-server: %s", line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "local-redis-log");
        pump.setDaemon(true);
        pump.start();
    }

    private static Path binary() {
        String configured = System.getenv("REDIS_SERVER_BIN");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String bundled = bundledName();
        if (bundled != null) {
            Path extracted = extract(bundled);
            if (extracted != null) {
                return extracted;
            }
        }
        return Path.of("redis-server");
    }

    private static String bundledName() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        boolean arm = arch.contains("aarch64") || arch.contains("arm64");
        if (os.contains("linux")) {
            return arm ? BUNDLED_LINUX_ARM64 : BUNDLED_LINUX_AMD64;
        }
        if (os.contains("mac")) {
            return arm ? BUNDLED_MAC_ARM64 : BUNDLED_MAC_AMD64;
        }
        return null;
    }

    /** Copies the bundled binary once per user into the temp directory and reuses it afterwards. */
    private static synchronized Path extract(String resource) {
        Path target = Path.of(System.getProperty("java.io.tmpdir"),
                "job-gateway-" + System.getProperty("user.name") + "-" + resource);
        if (Files.isExecutable(target)) {
            return target;
        }
        try (InputStream in = LocalRedisServer.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                return null;
            }
            Path tmp = Files.createTempFile(target.getParent(), "redis-server", ".tmp");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot extract the bundled redis-server", e);
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
