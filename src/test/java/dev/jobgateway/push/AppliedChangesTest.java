package dev.jobgateway.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.jobgateway.support.Api;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.Webhooks;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Every applied change reaches the change observers (the push publisher among them) once, whichever door it came
 * through, and nothing that was ignored does: the observed changes of a job are its versions after the first.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class AppliedChangesTest {

    @Inject
    RecordingObserver observer;

    @Test
    void webhooksAndACancelReachTheObserversOnceEachAndDuplicatesAndLateOnesNever() {
        String id = Jobs.submit(Jobs.simulate(Map.of("webhook", "drop", "duration_ms", 60_000))).getString("id");
        String externalId = Webhooks.externalId(id);
        assertThat(observer.changes(id)).isZero();

        Webhooks.toJob(id, "msg_push_1", Webhooks.body(externalId, "running", "\"progress\":0.4")).then()
                .statusCode(200).body("outcome", equalTo("applied"));
        Webhooks.toJob(id, "msg_push_1", Webhooks.body(externalId, "running", "\"progress\":0.4")).then()
                .statusCode(200).body("outcome", equalTo("ignored"));
        assertThat(observer.changes(id)).isEqualTo(1);

        Api.withKey(Api.DEV_KEY).post("/jobs/" + id + "/cancel").then().statusCode(200);
        Webhooks.toJob(id, "msg_push_2", Webhooks.body(externalId, "succeeded", "\"output\":{}")).then()
                .statusCode(200).body("outcome", equalTo("ignored"));

        assertThat(observer.changes(id)).isEqualTo(2);
        assertThat(Jobs.get(id).getLong("version")).isEqualTo(1 + observer.changes(id));
    }
}
