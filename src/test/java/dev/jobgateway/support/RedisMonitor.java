package dev.jobgateway.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.jobgateway.devservices.LocalRedisProvider;
import dev.jobgateway.devservices.Resp;

/** What the test Redis servers carried out while something ran, as {@code MONITOR} shows it. */
public final class RedisMonitor {

    private RedisMonitor() {
    }

    /**
     * Every command the servers carried out while {@code action} ran: a marker sent after the action (on another
     * connection) ends the list, so everything the action caused is before it.
     */
    public static List<String> commandsWhile(LocalRedisProvider servers, Runnable action) throws IOException {
        List<Socket> monitors = new ArrayList<>();
        List<BufferedReader> readers = new ArrayList<>();
        try {
            for (int port : servers.ports()) {
                Socket socket = new Socket("127.0.0.1", port);
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                out.write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.UTF_8));
                assertThat(reader.readLine()).isEqualTo("+OK");
                monitors.add(socket);
                readers.add(reader);
            }
            action.run();
            String marker = "end-of-monitored-action-" + UUID.randomUUID();
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < readers.size(); i++) {
                Resp.once(servers.ports().get(i), "ECHO", marker);
                for (String line = readers.get(i).readLine(); line != null
                        && !line.contains(marker); line = readers.get(i).readLine()) {
                    seen.add(line);
                }
            }
            return seen;
        } finally {
            for (Socket socket : monitors) {
                socket.close();
            }
        }
    }
}
