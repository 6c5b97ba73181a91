package dev.jobgateway.waiting;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.jobgateway.metrics.Meters;
import dev.jobgateway.platform.GatewayConfig;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.ResponseType;

/**
 * The instance's one subscription to the changes channel, on which the transition script announces every applied
 * change as {@code "<job id> <version> <status>"}. Opened on the first wait (functions that never wait never hold
 * it), on one connection of its own to one node ({@link SubscriberOptions}, picked at random among the configured
 * ones), never waited on: a wait reads at once and only its later wake-ups come from here.
 * <p>
 * When that connection ends, fails or stops answering its PINGs (a half-open socket after a Lambda thaw, a hung
 * node), the feed closes it, opens a new one (on another node if that one failed), subscribes, and then
 * wakes every waiter once to re-read, because notices sent in the gap are gone. Until then waits re-read on their own
 * ({@link Waits}).
 */
@ApplicationScoped
public class ChangeFeed {

    private static final Logger LOG = Logger.getLogger(ChangeFeed.class);
    private static final long FIRST_RETRY_MS = 100;
    private static final long MAX_RETRY_MS = 5_000;

    private final Vertx vertx;
    private final SubscriberOptions options;
    private final String channel;
    private final WaiterRegistry registry;
    private final Meters meters;
    private final long configuredPingIntervalMs;
    private final long answerTimeoutMs;
    private volatile long pingIntervalMs;
    private volatile long silenceLimitMs;
    private final AtomicLong subscriptions = new AtomicLong();

    // All state below changes under the monitor; callbacks carry the generation they belong to, and one from a
    // replaced connection finds it stale and does nothing.
    private boolean opened;
    private boolean closed;
    private volatile long generation;
    private Redis client;
    private RedisConnection connection;
    private String node;
    private String failedNode;
    private long retryMs = FIRST_RETRY_MS;
    private long pingTimer = -1;
    private volatile boolean subscribed;
    private volatile long heardNanos;

    ChangeFeed(Vertx vertx, SubscriberOptions options, GatewayConfig config, WaiterRegistry registry,
            Meters meters) {
        this.meters = meters;
        this.vertx = vertx;
        this.options = options;
        this.channel = config.jobs().changesChannel();
        this.registry = registry;
        this.configuredPingIntervalMs = Math.max(1, config.waits().feedPingInterval().toMillis());
        this.answerTimeoutMs = Math.max(1, config.store().commandTimeout().toMillis());
    }

    /** Starts the subscription on first use; later calls do nothing. Never blocks and never fails. */
    void open() {
        synchronized (this) {
            if (opened || closed) {
                return;
            }
            opened = true;
        }
        connect();
    }

    /** Whether the subscription is live right now (notices arrive). */
    public boolean subscribed() {
        return subscribed;
    }

    /** How many times the subscription was (re-)established. */
    public long subscriptions() {
        return subscriptions.get();
    }

    /** The node the subscription is on ({@code redis://host:port}, no password), or null while there is none. */
    public synchronized String node() {
        return subscribed ? redacted(node) : null;
    }

    private void connect() {
        long current;
        String endpoint;
        Redis redis;
        synchronized (this) {
            if (closed) {
                return;
            }
            List<String> endpoints = options.endpoints();
            if (endpoints.isEmpty()) {
                LOG.warn("Change feed has no Redis settings; waits fall back to periodic re-reads");
                return;
            }
            current = ++generation;
            timing(options.idleTimeout());
            endpoint = pick(endpoints, failedNode);
            redis = Redis.createClient(vertx, options.forEndpoint(endpoint));
            client = redis;
            node = endpoint;
        }
        redis.connect()
                .ifNoItem().after(Duration.ofMillis(answerTimeoutMs))
                .failWith(() -> new TimeoutException("no connection within " + answerTimeoutMs + " ms"))
                .subscribe().with(opened -> connected(current, opened),
                        failure -> lost(current, "cannot connect to " + redacted(endpoint) + ": " + failure, true));
    }

    private void connected(long current, RedisConnection opened) {
        synchronized (this) {
            if (current != generation || closed) {
                opened.closeAndForget();
                return;
            }
            connection = opened;
        }
        heardNanos = System.nanoTime();
        opened.handler(frame -> onFrame(current, frame));
        opened.exceptionHandler(failure -> lost(current, failure.toString(), true));
        opened.endHandler(() -> lost(current, null, false));
        // SUBSCRIBE completes when it is written; the server's confirmation arrives as a frame (onFrame).
        opened.send(Request.cmd(Command.SUBSCRIBE).arg(channel))
                .subscribe().with(written -> {
                }, failure -> lost(current, failure.toString(), true));
        vertx.setTimer(answerTimeoutMs, timer -> {
            if (!isSubscribed(current)) {
                lost(current, "no answer to SUBSCRIBE within " + answerTimeoutMs + " ms", true);
            }
        });
    }

    /**
     * Everything the subscriber connection receives: the subscription's confirmation, notices, PING answers. In
     * RESP3 notices are push frames; in RESP2 they are arrays like any reply, and one may even arrive as the "answer"
     * to a PING sent just before it, which is why PING answers come here too.
     */
    private void onFrame(long current, Response frame) {
        if (frame == null || current != generation) {
            return;
        }
        heardNanos = System.nanoTime();
        ResponseType type = frame.type();
        if ((type != ResponseType.MULTI && type != ResponseType.PUSH) || frame.size() == 0) {
            return; // +PONG (RESP3)
        }
        String kind = frame.get(0).toString();
        if ("message".equals(kind) && frame.size() == 3) {
            String message = frame.get(2).toString();
            int space = message.indexOf(' ');
            registry.wake(space < 0 ? message : message.substring(0, space));
        } else if ("subscribe".equals(kind)) {
            established(current);
        }
    }

    private void established(long current) {
        boolean again;
        String on;
        synchronized (this) {
            if (current != generation || subscribed) {
                return;
            }
            subscribed = true;
            on = node;
            retryMs = FIRST_RETRY_MS;
            pingTimer = vertx.setPeriodic(pingIntervalMs, timer -> ping(current));
            again = subscriptions.incrementAndGet() > 1;
        }
        int waiting = registry.size();
        if (again) {
            meters.feedResubscribed();
            LOG.infof("Change feed subscribed again to %s on %s; %d waiter(s) re-read", channel, redacted(on), waiting);
        } else {
            LOG.debugf("Change feed subscribed to %s on %s", channel, redacted(on));
        }
        // Waiters registered before this (the first wait, or any during a gap) may have missed a notice.
        registry.wakeAll();
    }

    /**
     * Proves the connection alive. A connection silent for longer than a PING round should take is replaced at once:
     * that is how a thawed Lambda instance, whose overdue timer fires first, finds out its socket died while frozen.
     */
    private void ping(long current) {
        RedisConnection live;
        synchronized (this) {
            if (current != generation || !subscribed) {
                return;
            }
            live = connection;
        }
        long sent = System.nanoTime();
        long silentMs = Duration.ofNanos(sent - heardNanos).toMillis();
        if (silentMs > silenceLimitMs) {
            lost(current, "nothing heard for " + silentMs + " ms", true);
            return;
        }
        live.send(Request.cmd(Command.PING))
                .subscribe()
                .with(answer -> onFrame(current, answer), failure -> lost(current, failure.toString(), true));
        vertx.setTimer(answerTimeoutMs, timer -> {
            if (current == generation && heardNanos - sent < 0) {
                lost(current, "no answer to PING within " + answerTimeoutMs + " ms", true);
            }
        });
    }

    /**
     * A connection silent for longer than a PING round (the interval plus the answer timeout) is dead; so is one
     * silent for longer than the pool's idle timeout, which would have closed it: with a shorter idle timeout the
     * feed PINGs twice per idle period and gives up after one, exactly where the pool would.
     */
    private void timing(Duration idleTimeout) {
        long idleMs = idleTimeout.toMillis();
        pingIntervalMs = idleMs > 0 ? Math.max(1, Math.min(configuredPingIntervalMs, idleMs / 2))
                : configuredPingIntervalMs;
        silenceLimitMs = idleMs > 0 ? Math.min(pingIntervalMs + answerTimeoutMs, idleMs)
                : pingIntervalMs + answerTimeoutMs;
    }

    /**
     * Any node will do: each one delivers every notice. Picked at random, so that many instances spread their
     * subscribers over the nodes, and not the one that just failed while there is another.
     */
    private static String pick(List<String> endpoints, String failed) {
        List<String> candidates = endpoints.size() > 1 && failed != null
                ? endpoints.stream().filter(endpoint -> !endpoint.equals(failed)).toList()
                : endpoints;
        if (candidates.isEmpty()) {
            candidates = endpoints;
        }
        return candidates.get(ThreadLocalRandom.current().nextInt(candidates.size()));
    }

    private synchronized boolean isSubscribed(long current) {
        return current == generation && subscribed;
    }

    /**
     * @param failure what went wrong, or null when the connection was closed (the server restarted, a
     *        {@code CLIENT KILL})
     * @param moveOn whether to avoid this node next time
     */
    private void lost(long current, String failure, boolean moveOn) {
        Redis old;
        long delayMs;
        String from;
        synchronized (this) {
            if (current != generation || closed) {
                return;
            }
            generation++; // whatever the old connection still reports is stale from here on
            boolean wasSubscribed = subscribed;
            subscribed = false;
            from = node;
            if (pingTimer >= 0) {
                vertx.cancelTimer(pingTimer);
                pingTimer = -1;
            }
            old = client;
            client = null;
            connection = null;
            failedNode = moveOn ? from : null;
            // A subscription that stood is replaced at once; repeated failures back off.
            delayMs = wasSubscribed ? 0 : retryMs;
            retryMs = wasSubscribed ? FIRST_RETRY_MS : Math.min(retryMs * 2, MAX_RETRY_MS);
        }
        if (old != null) {
            old.close();
        }
        if (failure != null) {
            LOG.warnf("Change feed lost on %s (%s); subscribing again in %d ms, waits re-read meanwhile",
                    redacted(from), failure, delayMs);
        } else {
            LOG.infof("Change feed connection to %s closed; subscribing again in %d ms", redacted(from), delayMs);
        }
        if (delayMs == 0) {
            connect();
        } else {
            vertx.setTimer(delayMs, timer -> connect());
        }
    }

    /** A node's address without any password in it, for logs. */
    private static String redacted(String endpoint) {
        if (endpoint == null) {
            return "-";
        }
        return endpoint.replaceFirst("//[^@/]*@", "//");
    }

    @PreDestroy
    void close() {
        Redis old;
        synchronized (this) {
            closed = true;
            generation++;
            subscribed = false;
            if (pingTimer >= 0) {
                vertx.cancelTimer(pingTimer);
            }
            old = client;
            client = null;
        }
        if (old != null) {
            old.close();
        }
    }
}
