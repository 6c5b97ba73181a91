package dev.jobgateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The push vectors' tokens are what the read-token verifier says they are: the same token vectors drive
 * {@code push.SubscribeDecisionsTest} and the AppSync authorizer's Node test.
 */
class PushDecisionVectorsTest {

    @Test
    void theCommittedVectorsAreWhatReadTokensMints() throws Exception {
        assertThat(Files.readString(PushDecisionVectors.FILE)).isEqualTo(PushDecisionVectors.build());
    }

    @Test
    void theReadTokenVerifierAcceptsExactlyTheTokensTheVectorsCallValid() throws Exception {
        ReadTokens tokens = PushDecisionVectors.verifier();
        JsonNode vectors = new ObjectMapper().readTree(PushDecisionVectors.FILE.toFile());
        for (JsonNode vector : vectors.path("cases")) {
            String token = vector.path("token").asText().replaceFirst("^Bearer ", "");
            boolean valid = tokens.verify(token, Instant.ofEpochSecond(vector.path("now").asLong())).isPresent();
            assertThat(valid).as(vector.path("name").asText()).isEqualTo(vector.path("token_valid").asBoolean());
        }
    }
}
