package dev.jobgateway.platform;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * One Redis connection that concurrent requests share, their commands pipelined on it, for the hottest reads (a
 * status read's HGETALL, a conditional read's HMGET). The pooled client lends a connection per command, so at most
 * pool-size commands are in flight and each pays the lending; a Node.js client such as ioredis pipelines every
 * command on one connection. Measured side by side here (bench/run.sh, BENCH_ONLY=status): 37 µs of gateway CPU per
 * status read instead of 56.
 *
 * <p>
 * Standalone Redis only: with a cluster (or Sentinel) client, commands go through the client as before, which routes
 * each to its node (a script sent on a cluster connection here got no answer).
 * <p>
 * The connection is the pool's (same settings) and goes back to it when given up: after a failure of the connection
 * (not an error reply to one command), and when a command gets no answer within the timeout (a half-open socket after a
 * Lambda thaw would
 * otherwise hold every later command too, since commands keep it from ever being idle). The next command then opens
 * a fresh one.
 */
@ApplicationScoped
public class SharedConnection {

    private final Redis redis;
    private final Duration timeout;
    private final boolean pinned;
    private final AtomicReference<Uni<RedisConnection>> current = new AtomicReference<>();

    SharedConnection(ReactiveRedisDataSource redis, GatewayConfig config,
            @ConfigProperty(name = "quarkus.redis.client-type", defaultValue = "standalone") String clientType) {
        this.redis = redis.getRedis();
        this.pinned = "standalone".equalsIgnoreCase(clientType);
        // Inside the store's command timeout, so that this connection is given up before the caller's guard fires.
        this.timeout = config.store().commandTimeout().multipliedBy(9).dividedBy(10);
    }

    /**
     * Sends {@code request} on the shared connection, opening it first if there is none. Deferred: a retry (see
     * {@link StoreErrors#guard}) sends again, on whichever connection is current by then.
     */
    public Uni<Response> send(Request request) {
        if (!pinned) {
            return redis.send(request);
        }
        return Uni.createFrom().deferred(() -> {
            Uni<RedisConnection> connection = connection();
            return connection.chain(opened -> opened.send(request))
                    .ifNoItem().after(timeout)
                    .failWith(() -> new TimeoutException("Redis did not answer within " + timeout.toMillis() + " ms"))
                    .onFailure(SharedConnection::concernsTheConnection).invoke(() -> giveUp(connection));
        });
    }

    /**
     * An outage or a command left unanswered, not Redis' own error reply to one command (e.g. {@code NOSCRIPT} the
     * first time a script runs after a restart), after which the connection is as good as before.
     */
    private static boolean concernsTheConnection(Throwable failure) {
        return failure instanceof TimeoutException || StoreErrors.wasNeverSent(failure)
                || StoreErrors.isUnavailable(failure);
    }

    private Uni<RedisConnection> connection() {
        while (true) {
            Uni<RedisConnection> existing = current.get();
            if (existing != null) {
                return existing;
            }
            Uni<RedisConnection> opening = redis.connect().memoize().indefinitely();
            if (current.compareAndSet(null, opening)) {
                return opening;
            }
        }
    }

    /** Back to the pool (which drops it if it is broken); the next command opens another. */
    private void giveUp(Uni<RedisConnection> connection) {
        if (current.compareAndSet(connection, null)) {
            connection.subscribe().with(RedisConnection::closeAndForget, failure -> {
                // it never opened: nothing to give back
            });
        }
    }
}
