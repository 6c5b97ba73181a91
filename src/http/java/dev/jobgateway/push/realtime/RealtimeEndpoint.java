package dev.jobgateway.push.realtime;

import dev.jobgateway.push.LocalRealtime;
import io.quarkus.websockets.next.HandshakeRequest;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;

/**
 * {@code /event/realtime}: the socket side of {@link RealtimeSessions}. Subprotocol {@code aws-appsync-event-ws} is
 * selected by the server's configuration (src/http/resources/META-INF/microprofile-config.properties).
 */
@WebSocket(path = LocalRealtime.PATH)
class RealtimeEndpoint {

    private final RealtimeSessions sessions;

    RealtimeEndpoint(RealtimeSessions sessions) {
        this.sessions = sessions;
    }

    @OnOpen
    void open(WebSocketConnection connection) {
        sessions.opened(connection.id(), connection.handshakeRequest().header(HandshakeRequest.SEC_WEBSOCKET_PROTOCOL),
                new RealtimeSessions.Peer() {
                    @Override
                    public void send(String text) {
                        connection.sendText(text).subscribe().with(sent -> {
                        }, failure -> {
                        });
                    }

                    @Override
                    public void close() {
                        connection.close().subscribe().with(closed -> {
                        }, failure -> {
                        });
                    }
                });
    }

    @OnTextMessage
    void message(String text, WebSocketConnection connection) {
        sessions.message(connection.id(), text);
    }

    @OnClose
    void close(WebSocketConnection connection) {
        sessions.closed(connection.id());
    }
}
