package dev.jobgateway.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.api.SubmitJobs;
import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.support.Api;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.RedisKeys;
import dev.jobgateway.support.Simulate;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.Webhooks;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * A verified webhook sent to the one fixed URL ({@code /webhooks/generic}) before the gateway knows which job the
 * AI server's id belongs to is kept, and applied when the submit maps that id: never lost, never applied twice.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@org.junit.jupiter.api.Tag("cluster")
class WebhookBeforeMappingTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    SubmitJobs submits;

    @Inject
    Reports reports;

    @Inject
    JobStore store;

    @Inject
    JobJson json;

    @Inject
    SimulatedAiServer aiServer;

    @Inject
    ObjectMapper mapper;

    @Inject
    RedisDataSource redis;

    @Test
    void webhookToTheFixedUrlThatBeatsTheSubmitAnswerIsParkedThenApplied() throws Exception {
        // In-process submit: the AI server delivers its final webhook, to the fixed URL, before it answers the
        // submit, and the Lambda test loop can take that webhook only while no API event is open.
        int delivered = aiServer.webhooksDelivered();
        var input = mapper.readTree("{\"prompt\":\"fast\",\"simulate\":{\"webhook\":\"before_response\","
                + "\"fixed_webhook_url\":true}}");

        Job job = submits.submit(Api.DEV_OWNER, input, Jobs.MAX_DURATION, null).await().atMost(WAIT).job();

        assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(job.completedVia()).isEqualTo("webhook");
        assertThat(mapper.readTree(job.output()).path("images").size()).isEqualTo(1);
        assertThat(aiServer.webhooksDelivered() - delivered).isEqualTo(1);
        JsonPath events = Jobs.events(job.id());
        assertThat(events.getList("events.type")).containsExactly("submitted", "handed_to_ai_server",
                "webhook_received");
        assertThat(events.getString("events[2].outcome")).isEqualTo("applied");
        assertThat(events.getString("events[2].details.parked_at")).isNotNull();
        String externalId = events.getString("events[1].details.external_id");
        assertThat(RedisKeys.matching(redis, "jobgw:ext:{generic:" + Ids.sha256(externalId) + "}:parked")).isEmpty();
    }

    @Test
    void unmappedWebhookIsAnswered202AndKeptOnlyForTheConfiguredWhile() {
        String externalId = "sim_not_yet_" + Ids.newWebhookToken();

        Webhooks.toFixedUrl("msg_" + externalId, Webhooks.body(externalId, "succeeded", "\"output\":{}"))
                .then().statusCode(202)
                .body("outcome", equalTo("parked"))
                .body("job_id", nullValue());

        List<String> parked = RedisKeys.matching(redis, "jobgw:ext:{generic:" + Ids.sha256(externalId) + "}:parked");
        assertThat(parked).hasSize(1);
        long ttlMs = redis.key().pttl(parked.get(0));
        assertThat(ttlMs).isBetween(1L, Duration.ofMinutes(10).toMillis());
    }

    @Test
    void parkedWebhooksAreAppliedInArrivalOrderWithDuplicatesDroppedOnceTheIdIsMapped() {
        String id = Jobs.submit(Simulate.unfinished()).getString("id");
        String externalId = "sim_late_map_" + Ids.newWebhookToken();
        Webhooks.toFixedUrl("msg_a", Webhooks.body(externalId, "running", "\"progress\":0.5")).then().statusCode(202);
        Webhooks.toFixedUrl("msg_a", Webhooks.body(externalId, "running", "\"progress\":0.5")).then().statusCode(202);
        Webhooks.toFixedUrl("msg_b", Webhooks.body(externalId, "succeeded", "\"output\":{\"images\":[]}"))
                .then().statusCode(202);

        List<Transition> handedOver = store.mapExternalId("generic", externalId, id).await().atMost(WAIT);
        handedOver.forEach(change -> store.transition(id, change).await().atMost(WAIT));
        store.dropParked("generic", externalId, handedOver.size()).await().atMost(WAIT);

        assertThat(handedOver).extracting(Transition::webhookId).containsExactly("msg_a", "msg_a", "msg_b");
        JsonPath job = Jobs.get(id);
        assertThat(job.getString("status")).isEqualTo("succeeded");
        assertThat(job.getInt("delivery.webhooks_received")).isEqualTo(2);
        assertThat(Jobs.events(id).getList("events.findAll { it.type == 'webhook_received' }.reason"))
                .containsExactly(null, "duplicate webhook-id", null);
    }

    @Test
    void webhookToTheFixedUrlForAMappedJobIsAppliedAtOnce() {
        String id = Jobs.submit(Simulate.unfinished()).getString("id");
        String externalId = Webhooks.externalId(id);

        Webhooks.toFixedUrl("msg_mapped", Webhooks.body(externalId, "failed", "\"error_message\":\"out of GPUs\""))
                .then().statusCode(200)
                .body("outcome", equalTo("applied"))
                .body("job_id", equalTo(id));

        assertThat(Jobs.get(id).getString("error_message")).isEqualTo("out of GPUs");
    }

    @Test
    void parkingAndMappingRacingEachOtherNeverLoseTheWebhook() throws Exception {
        // Either the webhook is parked first and the mapping hands it over, or it sees the mapping and is applied
        // directly; never both, never neither. Run the race many times with both sides released together.
        for (int round = 0; round < 200; round++) {
            String jobId = Ids.newJobId();
            String externalId = "sim_race_" + round + "_" + Ids.newWebhookToken();
            Transition change = Transition.webhook(Report.of(JobStatus.SUCCEEDED, "succeeded", null, null, null), null,
                    json.object().put("round", round), "msg_race_" + round);
            CompletableFuture<Optional<String>> park = store.park("generic", externalId, change)
                    .subscribeAsCompletionStage();
            CompletableFuture<List<Transition>> map = store.mapExternalId("generic", externalId, jobId)
                    .subscribeAsCompletionStage();

            boolean appliedDirectly = park.get().isPresent();
            int handedOver = map.get().size();
            store.dropParked("generic", externalId, handedOver).await().atMost(WAIT);
            assertThat(appliedDirectly ? 1 : 0).as("round %d", round).isEqualTo(1 - handedOver);
            if (appliedDirectly) {
                assertThat(park.get()).contains(jobId);
            }
        }
    }
}
