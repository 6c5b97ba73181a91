package dev.jobgateway.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.smallrye.mutiny.Uni;
import io.vertx.core.VertxException;
import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.redis.client.impl.types.ErrorType;

class StoreErrorsTest {

    @Test
    void aCommandFailedByAConnectionTheClientClosedIsAnOutage() {
        // what a command gets when its connection is closed under it, e.g. by the idle timeout after a thaw
        assertThat(StoreErrors.isUnavailable(ErrorType.create("CONNECTION_CLOSED"))).isTrue();
    }

    @Test
    void refusedConnectionsAreAnOutageEvenWhenWrapped() {
        assertThat(StoreErrors.isUnavailable(new IllegalStateException(new ConnectException("refused")))).isTrue();
    }

    /** Replies a cluster (or a replica set) gives in a failover, a slot migration or a restart: retry later. */
    @ParameterizedTest
    @ValueSource(strings = {
            "MOVED 3999 127.0.0.1:7002",
            "ASK 3999 127.0.0.1:7002",
            "CLUSTERDOWN The cluster is down",
            "CLUSTERDOWN Hash slot not served",
            "TRYAGAIN Multiple keys request during rehashing of slot",
            "READONLY You can't write against a read only replica.",
            "LOADING Redis is loading the dataset in memory",
            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
            "NOREPLICAS Not enough good replicas to write.",
            "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSCRIPT.",
            // as a batch reports them
            "ERR [0] MOVED 3999 127.0.0.1:7002",
            // a write inside a script on a demoted master
            "ERR Error running script (call to f_1a2b): @user_script:12: @user_script: 12: -READONLY You can't write "
                    + "against a read only replica." })
    void clusterAndFailoverRepliesTheClientGaveUpOnAreAnOutage(String reply) {
        assertThat(StoreErrors.isUnavailable(ErrorType.create(reply))).isTrue();
        assertThat(StoreErrors.isUnavailable(new IllegalStateException(ErrorType.create(reply)))).isTrue();
    }

    /**
     * What the cluster client says when a node it needs cannot be reached (killed, not yet failed over); its own
     * RedisConnectException is a package-private VertxException with these messages.
     */
    @Test
    void aClusterNodeTheClientCannotReachIsAnOutage() {
        assertThat(StoreErrors.isUnavailable(new NoStackTraceThrowable(
                "Failed obtaining connection to: redis://127.0.0.1:7001"))).isTrue();
        assertThat(StoreErrors.isUnavailable(new VertxException(
                "Failed to connect to all nodes of the cluster\n- redis://127.0.0.1:7001: Connection refused")))
                .isTrue();
        assertThat(StoreErrors.isUnavailable(new VertxException(
                "Cannot connect to any of the provided endpoints"))).isTrue();
    }

    /** What the commands in flight get when a node is killed under them (seen in the chaos run, was a 500). */
    @Test
    void aConnectionResetByADyingNodeIsAnOutage() {
        assertThat(StoreErrors.isUnavailable(new SocketException("Connection reset"))).isTrue();
    }

    /**
     * What a command gets when it is written to a node killed a moment before: the JDK's socket write fails with a
     * plain IOException, not a SocketException (CrashIT, Redis killed under submits: a 500 before).
     */
    @Test
    void aCommandWrittenToAKilledNodeIsAnOutage() {
        assertThat(StoreErrors.isUnavailable(new IOException("Broken pipe"))).isTrue();
        assertThat(StoreErrors.isUnavailable(new IOException("Connection reset by peer"))).isTrue();
        // Jackson's parse errors are IOExceptions too: a bad reply is a bug, not an outage
        assertThat(StoreErrors.isUnavailable(new IOException("Unexpected character ('<' (code 60))"))).isFalse();
    }

    /** As after a Lambda thaw, when the idle timeout closes pooled connections just as a command is handed one. */
    @Test
    void aCommandTheClientNeverSentIsSentAgainOnAnotherConnection() {
        AtomicInteger attempts = new AtomicInteger();
        Uni<String> call = Uni.createFrom().deferred(() -> attempts.incrementAndGet() == 1
                ? Uni.createFrom().failure(new NoStackTraceThrowable("Connection is closed"))
                : Uni.createFrom().item("PONG"));

        assertThat(StoreErrors.guard(Duration.ofSeconds(1), call).await().atMost(Duration.ofSeconds(2)))
                .isEqualTo("PONG");
        assertThat(attempts).hasValue(2);
    }

    /** A command in flight when its connection closed may have run (a transition, a create): it is not sent again. */
    @Test
    void aCommandThatMayHaveRunIsNeverSentAgain() {
        AtomicInteger attempts = new AtomicInteger();
        Uni<String> call = Uni.createFrom().deferred(() -> {
            attempts.incrementAndGet();
            return Uni.createFrom().failure(ErrorType.create("CONNECTION_CLOSED"));
        });

        assertThatThrownBy(() -> StoreErrors.guard(Duration.ofSeconds(1), call).await().atMost(Duration.ofSeconds(2)))
                .isInstanceOf(StoreUnavailableException.class);
        assertThat(attempts).hasValue(1);
    }

    @Test
    void aRedisErrorReplyIsNotAnOutage() {
        assertThat(StoreErrors.isUnavailable(ErrorType.create("WRONGTYPE Operation against a key"))).isFalse();
        assertThat(StoreErrors.isUnavailable(ErrorType.create("NOSCRIPT No matching script"))).isFalse();
        // a bug of ours, not an outage: retrying would not help
        assertThat(StoreErrors.isUnavailable(ErrorType.create("CROSSSLOT Keys in request don't hash to the same slot")))
                .isFalse();
        assertThat(StoreErrors.isUnavailable(ErrorType.create("BUSYKEY Target key name already exists."))).isFalse();
        assertThat(StoreErrors.isUnavailable(ErrorType.create("ERR Error running script: user_script:1: "
                + "Script attempted to access a non local key in a cluster node"))).isFalse();
    }

    /**
     * A Redis that is there but cannot be reached or refuses the gateway for now: a DNS blip, a TLS handshake that
     * failed, a Redis at its client limit, a connection's pipeline full. Callers retry later (503).
     */
    @Test
    void aHostThatDoesNotResolveATlsHandshakeAndAFullRedisAreAnOutage() {
        assertThat(StoreErrors.isUnavailable(new java.net.UnknownHostException("redis.internal: Name or service "
                + "not known"))).isTrue();
        assertThat(StoreErrors.isUnavailable(new IllegalStateException(new javax.net.ssl.SSLHandshakeException(
                "Remote host terminated the handshake")))).isTrue();
        assertThat(StoreErrors.isUnavailable(ErrorType.create("ERR max number of clients reached"))).isTrue();
        assertThat(StoreErrors.isUnavailable(new NoStackTraceThrowable("Redis waiting queue is full"))).isTrue();
    }

    /** Refused credentials are a 503 too (senders retry, and a fixed setting lets them through), but not an outage. */
    @ParameterizedTest
    @ValueSource(strings = {
            "WRONGPASS invalid username-password pair or user is disabled.",
            "NOAUTH Authentication required.",
            "NOPERM this user has no permissions to run the 'evalsha' command" })
    void refusedCredentialsAreAMisconfigurationCallersSeeAsUnavailable(String reply) {
        assertThat(StoreErrors.isUnavailable(ErrorType.create(reply))).isTrue();
        assertThat(StoreErrors.isMisconfiguration(ErrorType.create(reply))).isTrue();
        assertThat(StoreErrors.isMisconfiguration(new java.net.UnknownHostException("redis.internal"))).isFalse();
    }
}
