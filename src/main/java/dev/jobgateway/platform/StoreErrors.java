package dev.jobgateway.platform;

import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

import io.smallrye.mutiny.Uni;

/** Tells "Redis is down or slow" (retry later) apart from every other failure. */
public final class StoreErrors {

    private StoreErrors() {
    }

    public static boolean isUnavailable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof StoreUnavailableException || t instanceof ConnectException
                    || t instanceof ClosedChannelException || t instanceof TimeoutException
                    || t instanceof io.netty.channel.ConnectTimeoutException) {
                return true;
            }
            String name = t.getClass().getName();
            // lower-cased: the client fails commands on a connection it closes with "CONNECTION_CLOSED"
            String message = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (name.startsWith("io.vertx") && (message.contains("connection refused")
                    || message.contains("connection reset") || message.contains("closed")
                    || message.contains("pool") || message.contains("timeout"))) {
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
        return call.ifNoItem().after(timeout)
                .failWith(() -> new TimeoutException("Redis did not answer within " + timeout.toMillis() + " ms"))
                .onFailure(StoreErrors::isUnavailable).transform(StoreUnavailableException::new);
    }
}
