package dev.jobgateway.platform;

import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import dev.jobgateway.metrics.Meters;
import dev.jobgateway.metrics.Meters.StoreFailure;
import io.smallrye.mutiny.Uni;

/** Tells "Redis is down or slow" (retry later) apart from every other failure. */
public final class StoreErrors {

    /**
     * Error replies that mean "not now": a cluster in the middle of a failover or a slot migration (the client follows
     * MOVED and ASK and retries CLUSTERDOWN and TRYAGAIN, but gives up after a bounded number of rounds), a demoted
     * master ({@code READONLY}), a replica without its master ({@code MASTERDOWN}), a node loading its data
     * ({@code LOADING}), too few replicas for {@code min-replicas-to-write} ({@code NOREPLICAS}), a long script
     * ({@code BUSY}). Found at the start of the reply, after a batch's {@code "ERR [n] "}, or inside a script error
     * ({@code "... @user_script: 1: -READONLY ..."}). Not CROSSSLOT: that one is a bug, not an outage.
     */
    private static final Pattern TRANSIENT_REPLY = Pattern.compile(
            "(?:^|\\] |: -?)(?:MOVED|ASK|CLUSTERDOWN|TRYAGAIN|READONLY|LOADING|MASTERDOWN|NOREPLICAS|BUSY)(?: |$)");

    private StoreErrors() {
    }

    /** What the Redis client fails a command with when the connection it was to go on is already closed. */
    static boolean wasNeverSent(Throwable failure) {
        return "Connection is closed".equals(failure.getMessage());
    }

    public static boolean isUnavailable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            // SocketException covers ConnectException and the "Connection reset" a command gets when its node dies
            if (t instanceof StoreUnavailableException || t instanceof SocketException
                    || t instanceof ClosedChannelException || t instanceof TimeoutException
                    || t instanceof io.netty.channel.ConnectTimeoutException) {
                return true;
            }
            String name = t.getClass().getName();
            String text = String.valueOf(t.getMessage());
            if (TRANSIENT_REPLY.matcher(text).find()) {
                return true;
            }
            // lower-cased: the client fails commands on a connection it closes with "CONNECTION_CLOSED"
            String message = text.toLowerCase(java.util.Locale.ROOT);
            if (name.startsWith("io.vertx") && (message.contains("connection refused")
                    || message.contains("connection reset") || message.contains("closed")
                    || message.contains("pool") || message.contains("timeout")
                    // the cluster client, when a node it needs cannot be reached (killed, not yet failed over)
                    || message.contains("failed obtaining connection") || message.contains("failed to connect")
                    || message.contains("cannot connect"))) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /**
     * Turns an outage into {@link StoreUnavailableException}; other failures pass unchanged. The reactive client has
     * no per-command timeout, so a Redis that accepts connections but does not answer (paused, overloaded, a
     * half-open connection) would hold the request until the function's own timeout: this bounds it.
     */
    public static <T> Uni<T> guard(Duration timeout, Uni<T> call) {
        // A command the client never wrote (the pooled connection it was given had just been closed, as the idle
        // timeout does to every connection right after a Lambda thaw) is safe to send again, scripts included: Redis
        // never saw it. One in flight when its connection closed (CONNECTION_CLOSED) may have run: never resent.
        return call.onFailure(StoreErrors::wasNeverSent).retry().atMost(2)
                .ifNoItem().after(timeout)
                .failWith(() -> new TimeoutException("Redis did not answer within " + timeout.toMillis() + " ms"))
                .onFailure(StoreErrors::isUnavailable).invoke(StoreErrors::observe)
                .onFailure(StoreErrors::isUnavailable).transform(StoreUnavailableException::new);
    }

    /** Counts an outage once: a failure an inner guard already turned into a 503 was counted there. */
    private static void observe(Throwable failure) {
        Meters meters = Meters.current();
        if (meters != null && !(failure instanceof StoreUnavailableException)) {
            meters.storeFailure(failure instanceof TimeoutException ? StoreFailure.TIMEOUT : StoreFailure.OUTAGE);
        }
    }
}
