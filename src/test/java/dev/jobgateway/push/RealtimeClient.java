package dev.jobgateway.push;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A plain WebSocket client of the realtime endpoint (the JDK's, not the gateway's code): opens the socket with the
 * AppSync subprotocols and the auth header, sends protocol messages, and hands out what arrives in order.
 */
final class RealtimeClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LinkedBlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
    private final List<JsonNode> seen = new ArrayList<>();
    private final WebSocket socket;
    private volatile boolean closedByServer;

    private RealtimeClient(URI url, String host, String token) {
        String header = JSON.createObjectNode().put("host", host).put("Authorization", token).toString();
        String auth = "header-" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(header.getBytes(StandardCharsets.UTF_8));
        this.socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .subprotocols("aws-appsync-event-ws", auth)
                .connectTimeout(Duration.ofSeconds(5))
                .buildAsync(url, new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            try {
                                received.add(JSON.readTree(text.toString()));
                            } catch (java.io.IOException e) {
                                throw new IllegalStateException(e);
                            }
                            text.setLength(0);
                        }
                        webSocket.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                        closedByServer = true;
                        return null;
                    }
                }).join();
    }

    /** Connects to {@code ws://host/event/realtime} with a read token. */
    static RealtimeClient connect(String baseUrl, String token) {
        URI base = URI.create(baseUrl);
        return new RealtimeClient(URI.create("ws://" + base.getAuthority() + "/event/realtime"), base.getAuthority(),
                token);
    }

    String subprotocol() {
        return socket.getSubprotocol();
    }

    void send(String json) {
        socket.sendText(json, true).join();
    }

    void init() {
        send("{\"type\":\"connection_init\"}");
    }

    void subscribe(String id, String channel) {
        send(JSON.createObjectNode().put("type", "subscribe").put("id", id).put("channel", channel).toString());
    }

    /** The next message that matches, within {@code timeout}; those passed over are kept in {@link #seen()}. */
    JsonNode next(Predicate<JsonNode> wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            JsonNode message = left <= 0 ? null : received.poll(left, TimeUnit.NANOSECONDS);
            if (message == null) {
                throw new AssertionError("no matching message within " + timeout + "; got " + seen);
            }
            seen.add(message);
            if (wanted.test(message)) {
                return message;
            }
        }
    }

    JsonNode next(String type, Duration timeout) throws InterruptedException {
        return next(message -> type.equals(message.path("type").asText()), timeout);
    }

    List<JsonNode> seen() {
        return seen;
    }

    boolean closedByServer() {
        return closedByServer;
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "").exceptionally(failure -> null);
        }
        socket.abort();
    }
}
