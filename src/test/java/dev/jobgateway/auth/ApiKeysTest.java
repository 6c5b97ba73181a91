package dev.jobgateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.jobgateway.platform.ApiException;
import dev.jobgateway.platform.Ids;

/** Parsing {@code GATEWAY_API_KEYS} and telling the owner of a presented key. */
class ApiKeysTest {

    @Test
    void parsesKeyOwnerPairsAndKeepsOnlyHashesOfKeys() {
        var owners = ApiKeys.parse(Optional.of(List.of("k1=alice", " k2 = bob ", "k3=alice")));

        assertThat(owners).containsOnlyKeys(Ids.sha256("k1"), Ids.sha256("k2"), Ids.sha256("k3"));
        assertThat(owners.get(Ids.sha256("k2"))).isEqualTo("bob");
    }

    @Test
    void keyMayEndInBase64PaddingBecauseTheOwnerFollowsTheLastEqualsSign() {
        var owners = ApiKeys.parse(Optional.of(List.of("c2VjcmV0a2V5MQ===team-a")));

        assertThat(owners.get(Ids.sha256("c2VjcmV0a2V5MQ=="))).isEqualTo("team-a");
    }

    @Test
    void malformedPairsFailStartUpWithoutEchoingTheValue() {
        for (String bad : List.of("no-owner-here", "=someone", "abc=", "abc=some one", "abc=" + "o".repeat(65))) {
            assertThatThrownBy(() -> ApiKeys.parse(Optional.of(List.of(bad))))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("GATEWAY_API_KEYS")
                    .hasMessageNotContaining(bad);
        }
    }

    @Test
    void sameKeyTwiceFailsStartUp() {
        assertThatThrownBy(() -> ApiKeys.parse(Optional.of(List.of("k=a", "k=b"))))
                .hasMessageContaining("twice");
    }

    @Test
    void ownerOfBearerKeyIsFoundAndEverythingElseIs401WithChallenge() {
        ApiKeys keys = new ApiKeys(ApiKeys.parse(Optional.of(List.of("k1=alice"))));

        assertThat(keys.ownerOf("Bearer k1")).isEqualTo("alice");
        assertThat(keys.ownerOf("bearer   k1 ")).isEqualTo("alice");
        for (String bad : new String[] { null, "", "k1", "Basic azE6", "Bearer", "Bearer k2", "Bearer " + "k".repeat(300) }) {
            assertThatThrownBy(() -> keys.ownerOf(bad)).isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.status()).isEqualTo(401);
                assertThat(e.type()).isEqualTo("invalid-api-key");
                assertThat(e.headers()).containsKey("WWW-Authenticate");
            });
        }
    }
}
