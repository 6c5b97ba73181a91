package dev.jobgateway.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;

import org.junit.jupiter.api.Test;

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

    @Test
    void aRedisErrorReplyIsNotAnOutage() {
        assertThat(StoreErrors.isUnavailable(ErrorType.create("WRONGTYPE Operation against a key"))).isFalse();
        assertThat(StoreErrors.isUnavailable(ErrorType.create("NOSCRIPT No matching script"))).isFalse();
    }
}
