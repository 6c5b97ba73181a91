package dev.jobgateway.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.auth.PushDecisionVectors;
import dev.jobgateway.push.SubscribeDecisions.Decision;
import dev.jobgateway.push.SubscribeDecisions.Operation;

/** The decision of the local endpoint, case by case from the vectors the AppSync authorizer is tested with too. */
class SubscribeDecisionsTest {

    @Test
    void decidesEveryVectorAsTheVectorsSay() throws Exception {
        SubscribeDecisions decisions = new SubscribeDecisions(PushDecisionVectors.verifier(),
                PushDecisionVectors.namespace());
        JsonNode vectors = new ObjectMapper().readTree(PushDecisionVectors.FILE.toFile());
        assertThat(vectors.path("cases").size()).isGreaterThan(15);
        for (JsonNode vector : vectors.path("cases")) {
            Decision decision = decisions.decide(vector.path("token").asText(),
                    Operation.valueOf(vector.path("operation").asText()), vector.path("channel").asText(null),
                    Instant.ofEpochSecond(vector.path("now").asLong()));
            assertThat(decision.allowed()).as(vector.path("name").asText())
                    .isEqualTo(vector.path("allowed").asBoolean());
            assertThat(decision.errorType()).as(vector.path("name").asText())
                    .isEqualTo(vector.path("error_type").asText(null));
        }
    }
}
