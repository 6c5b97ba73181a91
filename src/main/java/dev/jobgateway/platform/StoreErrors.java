package dev.jobgateway.platform;

import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
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

    /** Turns an outage into {@link StoreUnavailableException}; other failures pass unchanged. */
    public static <T> Uni<T> guard(Uni<T> call) {
        return call.onFailure(StoreErrors::isUnavailable).transform(StoreUnavailableException::new);
    }
}
