package dev.jobgateway.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.awaitility.Awaitility;

import dev.jobgateway.devservices.Resp;

/**
 * The commands clients send to the test Redis, counted by name from {@code MONITOR} on every process behind the
 * gateway. Unlike {@code INFO commandstats}, it tells a client's command from one a Lua script ran (MONITOR shows
 * those as coming from {@code lua}): what counts when a script replaces many commands. MONITOR slows Redis down; use
 * it around one step of a test.
 */
public final class RedisMonitor implements AutoCloseable {

    private static final String MARKER = "redis-monitor-marker";

    private final List<Socket> sockets = new ArrayList<>();
    private final List<Integer> ports;
    private final Map<String, AtomicLong> sent = new ConcurrentHashMap<>();
    private final AtomicLong markers = new AtomicLong();

    public RedisMonitor(List<Integer> ports) {
        this.ports = List.copyOf(ports);
        for (int port : ports) {
            try {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                socket.getOutputStream().write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                sockets.add(socket);
                Thread reader = new Thread(() -> read(socket), "redis-monitor-" + port);
                reader.setDaemon(true);
                reader.start();
            } catch (IOException e) {
                close();
                throw new UncheckedIOException(e);
            }
        }
        settle();
    }

    /** Commands named {@code command} (any case) clients sent since the monitor started or was last reset. */
    public long sent(String command) {
        settle();
        AtomicLong count = sent.get(command.toUpperCase(Locale.ROOT));
        return count == null ? 0 : count.get();
    }

    public void reset() {
        settle();
        sent.clear();
    }

    /** Until every command sent before this call has been seen: a marker of its own through every node. */
    private void settle() {
        long expected = markers.get() + ports.size();
        for (int port : ports) {
            Resp.once(port, "ECHO", MARKER);
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> markers.get() >= expected);
    }

    private void read(Socket socket) {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                // +1700000000.123456 [0 127.0.0.1:54321] "HGETALL" "key"; a script's commands come from [0 lua]
                int open = line.indexOf('[');
                int close = line.indexOf(']', open + 1);
                int quote = line.indexOf('"', close + 1);
                if (open < 0 || close < 0 || quote < 0) {
                    continue;
                }
                if (line.contains("\"" + MARKER + "\"")) {
                    markers.incrementAndGet();
                    continue;
                }
                if (line.substring(open, close).endsWith(" lua")) {
                    continue;
                }
                String command = line.substring(quote + 1, line.indexOf('"', quote + 1)).toUpperCase(Locale.ROOT);
                sent.computeIfAbsent(command, c -> new AtomicLong()).incrementAndGet();
            }
        } catch (IOException closed) {
            // closed by close()
        }
    }

    @Override
    public void close() {
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }
}
