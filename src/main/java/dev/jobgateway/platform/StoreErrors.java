package dev.jobgateway.platform;

import java.io.IOException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import javax.net.ssl.SSLException;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;

/**
 * Tells "Redis is down, slow or refusing us" (retry later: 503) apart from every other failure, and a refusal of the
 * gateway's credentials (a configuration to fix) apart from an outage.
 */
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

    /**
     * Redis refuses the gateway's credentials or permissions: {@code WRONGPASS} (a wrong password or user),
     * {@code NOAUTH} (Redis asks for a password the gateway does not send), {@code NOPERM} (an ACL user without a
     * command the gateway needs). Callers get a 503 like an outage (senders retry, and once the setting is fixed they
     * get through), but the log says it is the configuration: waiting will not fix it.
     */
    private static final Pattern REFUSED_CREDENTIALS = Pattern.compile(
            "(?:^|\\] |: -?)(?:WRONGPASS|NOAUTH|NOPERM)(?: |$)");

    /**
     * Not now: a Redis at its client limit refuses new connections with this error; a connection whose pipeline is
     * full fails the command with the second (neither should happen with the shared connection's window).
     */
    private static final Pattern BUSY_TEXT = Pattern.compile(
            "max number of clients reached|waiting queue is full", Pattern.CASE_INSENSITIVE);

    private static final Pattern SOCKET_GONE = Pattern.compile("broken pipe|connection reset",
            Pattern.CASE_INSENSITIVE);

    /** Why a store call failed, as far as callers and operators need to know. */
    public enum Kind {
        /** Redis is down, unreachable, slow, full or failing over: retry later. */
        OUTAGE,
        /** Redis refuses the gateway's credentials or permissions: retry later too, but the settings need a fix. */
        MISCONFIGURATION,
        /** Anything else: a bug or a bad reply, a 500. */
        OTHER
    }

    private static final Logger LOG = Logger.getLogger(StoreErrors.class);
    private static final long LOUD_EVERY_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final AtomicLong lastLoud = new AtomicLong(System.nanoTime() - LOUD_EVERY_NANOS);

    public static boolean isUnavailable(Throwable failure) {
        return kind(failure) != Kind.OTHER;
    }

    public static boolean isMisconfiguration(Throwable failure) {
        return kind(failure) == Kind.MISCONFIGURATION;
    }

    public static Kind kind(Throwable failure) {
        Kind found = Kind.OTHER;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            Kind kind = kindOfOne(t);
            if (kind == Kind.MISCONFIGURATION) {
                return kind;
            }
            if (kind == Kind.OUTAGE) {
                found = kind;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return found;
    }

    private static Kind kindOfOne(Throwable t) {
        String text = String.valueOf(t.getMessage());
        if (REFUSED_CREDENTIALS.matcher(text).find()) {
            return Kind.MISCONFIGURATION;
        }
        // SocketException covers ConnectException and the "Connection reset" a command gets when its node dies; an
        // UnknownHostException is a DNS blip (the Redis host name did not resolve); a TLS handshake that failed
        // (a connection cut during it, a proxy restarting) is retried like any connect.
        if (t instanceof StoreUnavailableException || t instanceof SocketException
                || t instanceof ClosedChannelException || t instanceof TimeoutException
                || t instanceof UnknownHostException || t instanceof SSLException
                || t instanceof io.netty.channel.ConnectTimeoutException) {
            return Kind.OUTAGE;
        }
        // A write to a node killed a moment before fails in the JDK's socket write with a plain IOException ("Broken
        // pipe"; "Connection reset by peer" from Netty's native transport), not a SocketException. Only these: other
        // IOExceptions (a JSON parse error) are bugs.
        if (t instanceof IOException && SOCKET_GONE.matcher(text).find()) {
            return Kind.OUTAGE;
        }
        if (TRANSIENT_REPLY.matcher(text).find() || BUSY_TEXT.matcher(text).find()) {
            return Kind.OUTAGE;
        }
        // lower-cased: the client fails commands on a connection it closes with "CONNECTION_CLOSED"
        String message = text.toLowerCase(java.util.Locale.ROOT);
        if (t.getClass().getName().startsWith("io.vertx") && (message.contains("connection refused")
                || message.contains("connection reset") || message.contains("closed")
                || message.contains("pool") || message.contains("timeout")
                // the cluster client, when a node it needs cannot be reached (killed, not yet failed over)
                || message.contains("failed obtaining connection") || message.contains("failed to connect")
                || message.contains("cannot connect"))) {
            return Kind.OUTAGE;
        }
        return Kind.OTHER;
    }

    /**
     * Turns an outage into {@link StoreUnavailableException}; other failures pass unchanged. The reactive client has
     * no per-command timeout, so a Redis that accepts connections but does not answer (paused, overloaded, a
     * half-open connection) would hold the request until the function's own timeout: this bounds it. Each outage is
     * handed to {@code counted} once ({@link SharedConnection#guard} fires it as an event the meters count).
     */
    static <T> Uni<T> guard(Duration timeout, Uni<T> call, Consumer<StoreFailure> counted) {
        // A command the client never wrote (the pooled connection it was given had just been closed, as the idle
        // timeout does to every connection right after a Lambda thaw) is safe to send again, scripts included: Redis
        // never saw it. One in flight when its connection closed (CONNECTION_CLOSED) may have run: never resent.
        return call.onFailure(StoreErrors::wasNeverSent).retry().atMost(2)
                .ifNoItem().after(timeout)
                .failWith(() -> new TimeoutException("Redis did not answer within " + timeout.toMillis() + " ms"))
                .onFailure(StoreErrors::isUnavailable).invoke(failure -> observe(failure, counted))
                .onFailure(StoreErrors::isUnavailable).transform(StoreUnavailableException::new);
    }

    /** As {@link #guard(Duration, Uni, Consumer)}, counting nothing: for this package's tests of a bare connection. */
    static <T> Uni<T> guard(Duration timeout, Uni<T> call) {
        return guard(timeout, call, failure -> {
        });
    }

    /**
     * Counts an outage once: a failure an inner guard already turned into a 503 was counted there. Refused credentials
     * are logged at ERROR as the configuration problem they are, at most every 30 s (each request's 503 is logged
     * too, but as an outage would be).
     */
    static void observe(Throwable failure, Consumer<StoreFailure> counted) {
        if (failure instanceof StoreUnavailableException) {
            return;
        }
        Kind kind = kind(failure);
        if (kind == Kind.MISCONFIGURATION) {
            complainAboutSettings(failure);
        }
        counted.accept(kind == Kind.MISCONFIGURATION ? StoreFailure.MISCONFIGURATION
                : failure instanceof TimeoutException ? StoreFailure.TIMEOUT : StoreFailure.OUTAGE);
    }

    /** Loud, and at most every 30 s: every request fails the same way until the settings are fixed. */
    static void complainAboutSettings(Throwable failure) {
        long last = lastLoud.get();
        long now = System.nanoTime();
        if (now - last >= LOUD_EVERY_NANOS && lastLoud.compareAndSet(last, now)) {
            LOG.errorf("Redis refuses the gateway (%s): a CONFIGURATION problem, not an outage. Check the password, "
                    + "user and ACL permissions in REDIS_URL / quarkus.redis.* against the Redis server; every request "
                    + "that needs Redis answers 503 until they match.", rootMessage(failure));
        }
    }

    private static String rootMessage(Throwable failure) {
        Throwable t = failure;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage());
    }
}
