package dev.jobgateway.platform;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;

/**
 * One Redis connection that concurrent requests share, their commands pipelined on it, for the hottest reads (a
 * status read's HGETALL, a conditional read's HMGET) and the scripts. The pooled client lends a connection per
 * command, so at most pool-size commands are in flight and each pays the lending; a Node.js client such as ioredis
 * pipelines every command on one connection. Measured side by side here (bench/run.sh, BENCH_ONLY=status): 37 µs of
 * gateway CPU per status read instead of 56.
 *
 * <p>
 * On a Redis Cluster the shared connection is one {@code RedisClusterConnection}: one connection per node, each
 * master's commands pipelined on its own. The cluster connection routes each command by its keys' slot (EVAL/EVALSHA
 * by their {@code numkeys} keys, so a job's script goes to the master of its {@code {id}} hash tag), follows MOVED and
 * ASK, and refreshes its slot map from {@code CLUSTER SLOTS} (after a MOVED, and every topology-cache TTL while
 * commands flow). The pooled cluster client instead borrows a connection to every node per command: at most pool-size
 * commands on a master at once, and the borrowing paid per command. Sentinel and replication clients stay pooled.
 * What was measured and tried: docs/performance.md, "Pipelining on a Redis Cluster"; SharedConnectionClusterTest.
 * <p>
 * The connection belongs to a client of its own (the default client's settings, {@link RedisClientOptions}), which
 * is closed as a whole when the connection is given up: after a failure of the connection (not an error reply to one
 * command), and when a command gets no answer within the timeout (a half-open socket after a Lambda thaw would
 * otherwise hold every later command too, since commands keep it from ever being idle). Closed, never lent to
 * anyone again: given back to a pool, its next borrower would queue behind the unanswered command. The next command
 * opens a fresh one. On a cluster that is the connections to every node, slot map included: one master left
 * unanswered is reason enough to start the cluster connection again, and a connect needs every node to answer.
 * <p>
 * A connect that fails (Redis down, a host name that does not resolve, a TLS handshake cut, a Redis at its client
 * limit, refused credentials) fails every command for a short back-off (100 ms, doubling up to 2 s while it keeps
 * failing) as a 503, then the next command connects again: a failed connect is never kept.
 * <p>
 * At most {@code quarkus.redis.max-waiting-handlers} commands are on the connection at once (the client's own limit,
 * beyond which it fails commands); the next ones wait their turn, up to {@code quarkus.redis.max-pool-waiting} of
 * them, as commands wait for a pooled connection; beyond that a command is refused as 503 ({@link CommandWindow}).
 */
@ApplicationScoped
public class SharedConnection {

    private static final Logger LOG = Logger.getLogger(SharedConnection.class);
    static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    private final Vertx vertx;
    private final Redis pooled;
    private final Supplier<RedisOptions> settings;
    private final Duration timeout;
    private final boolean pinned;
    private final CommandWindow window;
    private final AtomicReference<Attempt> current = new AtomicReference<>();
    private long backoffNanos = FIRST_BACKOFF.toNanos();
    private boolean closed;
    private final Consumer<StoreFailure> failures;

    @Inject
    SharedConnection(Vertx vertx, ReactiveRedisDataSource redis, RedisClientOptions defaults, GatewayConfig config,
            @ConfigProperty(name = "quarkus.redis.client-type", defaultValue = "standalone") String clientType,
            @ConfigProperty(name = "quarkus.redis.max-waiting-handlers", defaultValue = "2048") int pipelined,
            @ConfigProperty(name = "quarkus.redis.max-pool-waiting", defaultValue = "24") int waiting,
            Event<StoreFailure> failures) {
        this(vertx, redis.getRedis(), defaults::copy, config.store().commandTimeout(), pipelines(clientType), pipelined,
                waiting, failures::fire);
    }

    /**
     * A connection with {@code settings} (host names, TLS, password; standalone or cluster, by their type): for tests
     * of its own.
     */
    SharedConnection(Vertx vertx, RedisOptions settings, Duration commandTimeout) {
        this(vertx, null, () -> RedisClientOptions.copy(settings), commandTimeout, true,
                settings.getMaxWaitingHandlers(), settings.getMaxPoolWaiting(), failure -> {
                });
    }

    private SharedConnection(Vertx vertx, Redis pooled, Supplier<RedisOptions> settings, Duration commandTimeout,
            boolean pinned, int pipelined, int waiting, Consumer<StoreFailure> failures) {
        this.failures = failures;
        this.vertx = vertx;
        this.pooled = pooled;
        this.settings = settings;
        this.pinned = pinned;
        // Inside the store's command timeout, so that this connection is given up before the caller's guard fires.
        this.timeout = commandTimeout.multipliedBy(9).dividedBy(10);
        this.window = new CommandWindow(pipelined, waiting);
    }

    /**
     * Standalone and cluster clients pipeline on a connection of their own here; Sentinel and replication clients
     * (a master found through Sentinel, reads spread over replicas) keep the pooled client, which does that finding.
     */
    private static boolean pipelines(String clientType) {
        return "standalone".equalsIgnoreCase(clientType) || "cluster".equalsIgnoreCase(clientType);
    }

    /**
     * Bounds a store call by {@code timeout} and turns an outage into {@link StoreUnavailableException}
     * ({@link StoreErrors}); each outage is fired once as a {@link StoreFailure} event, for the meters.
     */
    public <T> Uni<T> guard(Duration timeout, Uni<T> call) {
        return StoreErrors.guard(timeout, call, failures);
    }

    /**
     * Sends {@code request} on the shared connection, opening it first if there is none, once there is room on it.
     * Deferred: a retry (see {@link #guard}) sends again, on whichever connection is current by then.
     */
    public Uni<Response> send(Request request) {
        if (!pinned) {
            return pooled.send(request);
        }
        return window.run(() -> {
            Attempt attempt = connection();
            return attempt.connection.chain(opened -> opened.send(request))
                    .ifNoItem().after(timeout)
                    .failWith(() -> new TimeoutException("Redis did not answer within " + timeout.toMillis() + " ms"))
                    .onFailure(SharedConnection::concernsTheConnection).invoke(() -> giveUp(attempt));
        });
    }

    /** Commands waiting for room on the connection right now (back-pressure at work). */
    public int waiting() {
        return window.queued();
    }

    /**
     * An outage or a command left unanswered, not Redis' own error reply to one command (e.g. {@code NOSCRIPT} the
     * first time a script runs after a restart), after which the connection is as good as before.
     */
    private static boolean concernsTheConnection(Throwable failure) {
        return failure instanceof TimeoutException || StoreErrors.wasNeverSent(failure)
                || StoreErrors.isUnavailable(failure);
    }

    /** The current connection (attempt), or a new one if there is none or the last connect's back-off is over. */
    private Attempt connection() {
        while (true) {
            Attempt existing = current.get();
            if (existing != null && !existing.retryDue()) {
                return existing;
            }
            Attempt next = new Attempt();
            if (current.compareAndSet(existing, next)) {
                return next;
            }
            next.close();
        }
    }

    /** Closed, client and all; the next command opens another. A connect that failed stays until its back-off ends. */
    private void giveUp(Attempt attempt) {
        if (!attempt.failedToConnect() && current.compareAndSet(attempt, null)) {
            attempt.close();
        }
    }

    private synchronized long failedConnect() {
        long backoff = backoffNanos;
        backoffNanos = Math.min(backoffNanos * 2, MAX_BACKOFF.toNanos());
        return backoff;
    }

    private synchronized void connected() {
        backoffNanos = FIRST_BACKOFF.toNanos();
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    @PreDestroy
    void close() {
        synchronized (this) {
            closed = true;
        }
        Attempt last = current.getAndSet(null);
        if (last != null) {
            last.close();
        }
    }

    /** One connect, with the client it belongs to, and, if it failed, when the next may be tried. */
    private final class Attempt {

        private final Redis client;
        final Uni<RedisConnection> connection;
        /** System.nanoTime() from which a new connect may be tried; set once the connect failed. */
        private volatile long retryAtNanos;
        private volatile boolean failed;

        Attempt() {
            RedisOptions options = settings.get();
            if (options.getType() == RedisClientType.CLUSTER) {
                // One connection per node is held by the cluster connection; the second is for the slot map's
                // refresh (CLUSTER SLOTS), which borrows one from the first node's pool every topology-cache TTL. The
                // configured wait queue stays: when a slot moves to a node the connection does not hold yet (a shard
                // added online), each command redirected there borrows one until the first is in, and a short queue
                // would fail the rest of a burst.
                options.setMaxPoolSize(2);
            } else {
                options.setMaxPoolSize(1).setMaxPoolWaiting(8);
            }
            options.setPoolName("job-gateway-shared");
            options.getNetClientOptions().setMetricsName("redis|job-gateway-shared");
            client = Redis.createClient(vertx, options);
            connection = client.connect()
                    .invoke(opened -> {
                        connected();
                        if (isClosed()) {
                            close();
                        }
                    })
                    .onFailure().transform(this::failedToConnect)
                    .memoize().indefinitely();
        }

        private Throwable failedToConnect(Throwable failure) {
            long backoff = failedConnect();
            retryAtNanos = System.nanoTime() + backoff;
            failed = true;
            client.close();
            if (StoreErrors.isMisconfiguration(failure)) {
                StoreErrors.complainAboutSettings(failure);
            } else {
                LOG.warnf("Cannot connect to Redis (%s); commands answer 503 for %d ms, then connect again",
                        failure, TimeUnit.NANOSECONDS.toMillis(backoff));
            }
            // Whatever it was (an outage, a DNS blip, a refusal), the store cannot be reached now: 503, retry later.
            return failure instanceof StoreUnavailableException ? failure
                    : new StoreUnavailableException("Redis cannot be connected to: " + failure.getMessage(), failure);
        }

        boolean failedToConnect() {
            return failed;
        }

        boolean retryDue() {
            return failed && System.nanoTime() - retryAtNanos >= 0;
        }

        void close() {
            client.close();
        }
    }
}
