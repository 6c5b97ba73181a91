package dev.jobgateway.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

import dev.jobgateway.platform.Ids;

/** Signed per-job webhook tokens: bound to their job, checked without Redis, rotated like read tokens. */
class WebhookTokensTest {

    private static final String JOB = "job_AAAAAAAAAAAAAAAAAAAAAA";
    private static final String OTHER_JOB = "job_BBBBBBBBBBBBBBBBBBBBBB";
    private static final String K1 = "k1=first-webhook-token-key-of-32-chars-at-least";
    private static final String K2 = "k2=second-webhook-token-key-of-32-chars-at-least";

    private static TokenSigner tokens(String... keys) {
        return new TokenSigner(WebhookTokens.parse(Optional.of(List.of(keys))));
    }

    @Test
    void aTokenOpensItsOwnJobOnly() {
        TokenSigner tokens = tokens(K1);
        String token = tokens.forJob(JOB, 1);

        assertThat(token).matches("k1_[A-Za-z0-9_-]{43}");
        assertThat(tokens.mayBelongTo(JOB, token)).isTrue();
        assertThat(tokens.mayBelongTo(OTHER_JOB, token)).isFalse();
        assertThat(tokens.forJob(JOB, 1)).as("the same for every instance and every call").isEqualTo(token);
    }

    @Test
    void aSecondGenerationHasATokenOfItsOwnThatNamesItsGeneration() {
        TokenSigner tokens = tokens(K1);
        String first = tokens.forJob(JOB, 1);
        String second = tokens.forJob(JOB, 2);

        assertThat(second).matches("k1-2_[A-Za-z0-9_-]{43}").isNotEqualTo(first);
        assertThat(tokens.mayBelongTo(JOB, second)).isTrue();
        // Which generation is current is the job's stored hash's to say; a forged generation is no valid token.
        assertThat(tokens.mayBelongTo(JOB, first)).isTrue();
        assertThat(tokens.mayBelongTo(JOB, "k1-3" + second.substring(4))).isFalse();
        assertThat(tokens.mayBelongTo(JOB, "k1-2" + first.substring(2))).isFalse();
        assertThat(tokens.mayBelongTo(OTHER_JOB, second)).isFalse();
    }

    @Test
    void guessedForeignAndTruncatedTokensAreRefused() {
        TokenSigner tokens = tokens(K1);
        String token = tokens.forJob(JOB, 1);

        for (String bad : List.of("", "_", "guessed", token.substring(0, token.length() - 1), token + "A",
                "k9" + token.substring(2), "k1_" + "A".repeat(43), tokens(K2).forJob(JOB, 1),
                // a random token, as gateways without keys handed out before the shared key
                Ids.newWebhookToken())) {
            assertThat(tokens.mayBelongTo(JOB, bad)).as(bad).isFalse();
        }
        assertThat(tokens.mayBelongTo(JOB, null)).isFalse();
    }

    @Test
    void theSharedKeySignsLikeAConfiguredOneUnderItsOwnKeyId() {
        String secret = WebhookTokens.newSharedKey();
        TokenSigner shared = new TokenSigner(Map.of(WebhookTokens.SHARED_KEY_ID,
                new SecretKeySpec(Base64.getUrlDecoder().decode(secret), TokenSigner.HMAC)));
        String token = shared.forJob(JOB, 1);

        assertThat(Base64.getUrlDecoder().decode(secret)).as("32 random bytes").hasSize(32);
        assertThat(WebhookTokens.newSharedKey()).isNotEqualTo(secret);
        assertThat(token).matches("shared_[A-Za-z0-9_-]{43}");
        assertThat(TokenSigner.keyId(token)).isEqualTo("shared");
        assertThat(shared.mayBelongTo(JOB, token)).isTrue();
        assertThat(shared.mayBelongTo(OTHER_JOB, token)).isFalse();
        assertThat(tokens(K1).mayBelongTo(JOB, token)).as("configured keys replace the shared one").isFalse();
    }

    @Test
    void rotationVerifiesEveryListedKeyAndSignsWithTheFirst() {
        String old = tokens(K1).forJob(JOB, 1);

        assertThat(tokens(K1, K2).mayBelongTo(JOB, old)).isTrue();
        assertThat(tokens(K2, K1).forJob(JOB, 1)).startsWith("k2_");
        assertThat(tokens(K2, K1).mayBelongTo(JOB, old)).isTrue();
        assertThat(tokens(K2).mayBelongTo(JOB, old)).as("k1 dropped").isFalse();
    }

    @Test
    void malformedKeysStopStartUpWithoutEchoingTheSecret() {
        for (String bad : List.of("no-equals-sign-and-long-enough-to-be-a-secret", "k1=too-short",
                "k_1=" + "s".repeat(40), "=" + "s".repeat(40))) {
            assertThatThrownBy(() -> WebhookTokens.parse(Optional.of(List.of(bad))))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("GATEWAY_WEBHOOKS_TOKEN_KEYS")
                    .hasMessageNotContaining("too-short").hasMessageNotContaining("ssssssss");
        }
        assertThatThrownBy(() -> WebhookTokens.parse(Optional.of(List.of(K1, K1.replace("first", "other")))))
                .hasMessageContaining("twice");
    }
}
