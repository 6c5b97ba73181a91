package dev.jobgateway.push.realtime;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.metrics.Meters;
import dev.jobgateway.metrics.Meters.SubscribeResult;
import dev.jobgateway.push.JobChannel;
import dev.jobgateway.push.LocalRealtime;
import dev.jobgateway.push.PushConfig;
import dev.jobgateway.push.SubscribeDecisions;
import dev.jobgateway.push.SubscribeDecisions.Decision;
import dev.jobgateway.push.SubscribeDecisions.Operation;
import io.quarkus.runtime.Startup;
import io.vertx.core.Vertx;

/**
 * The AppSync Events WebSocket protocol as the gateway serves it (docs/push.md): the connection's auth from its
 * {@code header-} subprotocol, {@code connection_init}/{@code connection_ack}, {@code ka}, {@code subscribe} (decided
 * by
 * {@link SubscribeDecisions}, fed by {@link JobFanOut}), {@code data}, {@code unsubscribe}, and {@code publish}
 * refused, with AppSync's message and error shapes. Independent of the socket ({@link Peer}), so the endpoint class
 * only forwards.
 */
@Startup
@ApplicationScoped
class RealtimeSessions implements LocalRealtime {

    private static final Logger LOG = Logger.getLogger(RealtimeSessions.class);
    /** What connection_ack tells clients: close if no ka came for this long (AppSync's value). */
    private static final long CONNECTION_TIMEOUT_MS = 300_000;
    private static final int MAX_SUBSCRIPTIONS = 200;

    /** The socket a session talks through. */
    interface Peer {
        void send(String text);

        void close();
    }

    private static final class Session {
        final Peer peer;
        final String token;
        final Map<String, JobFanOut.Subscriber> subscriptions = new ConcurrentHashMap<>();
        final Map<String, String> jobs = new ConcurrentHashMap<>();
        volatile boolean acknowledged;

        Session(Peer peer, String token) {
            this.peer = peer;
            this.token = token;
        }
    }

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final SubscribeDecisions decisions;
    private final JobFanOut fanOut;
    private final Meters meters;
    private final ObjectMapper json;
    private final String namespace;
    private final boolean enabled;
    private final Vertx vertx;
    private final long keepAliveTimer;

    RealtimeSessions(SubscribeDecisions decisions, JobFanOut fanOut, Meters meters, ObjectMapper json,
            PushConfig config, Vertx vertx) {
        this.decisions = decisions;
        this.fanOut = fanOut;
        this.meters = meters;
        this.json = json;
        this.namespace = config.namespace();
        this.enabled = config.enabled();
        this.vertx = vertx;
        this.keepAliveTimer = vertx.setPeriodic(Math.max(1, config.keepAlive().toMillis()), timer -> keepAlive());
    }

    /** A socket opened, offering these subprotocols: refused (connection_error, closed) unless its token is valid. */
    void opened(String connectionId, String subprotocols, Peer peer) {
        String token = enabled ? authorization(subprotocols) : null;
        Decision decision = enabled ? decisions.decide(token, Operation.EVENT_CONNECT, null)
                : new Decision(false, "UnauthorizedException", "push is off");
        if (!decision.allowed()) {
            ObjectNode error = json.createObjectNode().put("type", "connection_error");
            error.putArray("errors").addObject().put("errorType", decision.errorType()).put("message",
                    decision.reason());
            peer.send(error.toString());
            peer.close();
            return;
        }
        sessions.put(connectionId, new Session(peer, token));
    }

    void closed(String connectionId) {
        Session session = sessions.remove(connectionId);
        if (session != null) {
            session.jobs.forEach((id, jobId) -> fanOut.unsubscribe(jobId, session.subscriptions.get(id)));
        }
    }

    void message(String connectionId, String text) {
        Session session = sessions.get(connectionId);
        if (session == null) {
            return;
        }
        JsonNode message;
        try {
            message = json.readTree(text);
        } catch (java.io.IOException e) {
            session.peer.send(error("error", null, "BadRequestException", "Message is not JSON"));
            return;
        }
        String type = message.path("type").asText("");
        String id = message.path("id").isTextual() ? message.path("id").asText() : null;
        switch (type) {
            case "connection_init" -> {
                session.acknowledged = true;
                session.peer.send(json.createObjectNode().put("type", "connection_ack")
                        .put("connectionTimeoutMs", CONNECTION_TIMEOUT_MS).toString());
            }
            case "subscribe" -> subscribe(session, id, message);
            case "unsubscribe" -> unsubscribe(session, id);
            case "publish" -> session.peer.send(error("publish_error", id, "UnauthorizedException",
                    "Only the gateway publishes to job channels"));
            default -> session.peer.send(error("error", id, "UnsupportedOperation", "Unknown message type"));
        }
    }

    private void subscribe(Session session, String id, JsonNode message) {
        String channel = message.path("channel").asText(null);
        if (id == null || id.isEmpty() || channel == null) {
            meters.subscribed(SubscribeResult.BAD_REQUEST);
            session.peer
                    .send(error("subscribe_error", id, "BadRequestException", "A subscribe needs an id and a channel"));
            return;
        }
        // The subscription's own authorization wins over the connection's, as on AppSync.
        JsonNode authorization = message.path("authorization").path("Authorization");
        String token = authorization.isTextual() ? authorization.asText() : session.token;
        Decision decision = decisions.decide(token, Operation.EVENT_SUBSCRIBE, channel);
        if (!decision.allowed()) {
            meters.subscribed(SubscribeResult.UNAUTHORIZED);
            session.peer.send(error("subscribe_error", id, decision.errorType(), decision.reason()));
            return;
        }
        if (session.subscriptions.size() >= MAX_SUBSCRIPTIONS && !session.subscriptions.containsKey(id)) {
            meters.subscribed(SubscribeResult.BAD_REQUEST);
            session.peer.send(error("subscribe_error", id, "LimitExceededException",
                    "At most " + MAX_SUBSCRIPTIONS + " subscriptions per connection"));
            return;
        }
        unsubscribeQuietly(session, id);
        String jobId = JobChannel.jobOf(namespace, channel).orElseThrow();
        JobFanOut.Subscriber subscriber = new JobFanOut.Subscriber(id, (subscriptionId, event) -> session.peer
                .send(json.createObjectNode().put("type", "data").put("id", subscriptionId).put("event", event)
                        .toString()));
        session.subscriptions.put(id, subscriber);
        session.jobs.put(id, jobId);
        fanOut.subscribe(jobId, subscriber);
        meters.subscribed(SubscribeResult.ACCEPTED);
        session.peer.send(json.createObjectNode().put("type", "subscribe_success").put("id", id).toString());
    }

    private void unsubscribe(Session session, String id) {
        unsubscribeQuietly(session, id);
        session.peer.send(json.createObjectNode().put("type", "unsubscribe_success").put("id", id).toString());
    }

    private void unsubscribeQuietly(Session session, String id) {
        if (id == null) {
            return;
        }
        JobFanOut.Subscriber subscriber = session.subscriptions.remove(id);
        String jobId = session.jobs.remove(id);
        if (subscriber != null && jobId != null) {
            fanOut.unsubscribe(jobId, subscriber);
        }
    }

    private String error(String type, String id, String errorType, String text) {
        ObjectNode error = json.createObjectNode().put("type", type);
        if (id != null) {
            error.put("id", id);
        }
        error.putArray("errors").addObject().put("errorType", errorType).put("message", text);
        return error.toString();
    }

    private void keepAlive() {
        String ka = "{\"type\":\"ka\"}";
        sessions.values().forEach(session -> {
            if (session.acknowledged) {
                session.peer.send(ka);
            }
        });
    }

    /**
     * The {@code Authorization} of the auth header a client passes as the subprotocol
     * {@code header-<base64url(JSON)>} (as Amplify and AppSync's docs do), or null.
     */
    static String authorization(String subprotocols) {
        if (subprotocols == null) {
            return null;
        }
        for (String offered : subprotocols.split(",")) {
            String candidate = offered.trim();
            if (!candidate.startsWith("header-")) {
                continue;
            }
            try {
                byte[] decoded = Base64.getUrlDecoder().decode(candidate.substring(7));
                JsonNode header = new ObjectMapper().readTree(new String(decoded, StandardCharsets.UTF_8));
                JsonNode value = header == null ? null : header.get("Authorization");
                return value != null && value.isTextual() ? value.asText() : null;
            } catch (IllegalArgumentException | java.io.IOException e) {
                LOG.debug("Realtime connection with an unreadable auth header");
                return null;
            }
        }
        return null;
    }

    /** Open sessions (tests, diagnostics). */
    int sessions() {
        return sessions.size();
    }

    @PreDestroy
    void stop() {
        vertx.cancelTimer(keepAliveTimer);
    }
}
