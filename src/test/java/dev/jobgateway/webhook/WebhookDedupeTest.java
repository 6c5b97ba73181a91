package dev.jobgateway.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.RedisKeys;
import dev.jobgateway.support.Simulate;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.Webhooks;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** Redeliveries of one {@code webhook-id} answer 2xx, change nothing and are in the timeline as duplicates. */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class WebhookDedupeTest {

    @Inject
    RedisDataSource redis;

    @Inject
    GatewayConfig config;

    @Test
    void redeliveredWebhookIdIsAnswered200AndRecordedAsDuplicateWithoutChangingTheJob() {
        String id = Jobs.submit(Simulate.unfinished()).getString("id");
        String externalId = Webhooks.externalId(id);
        String body = Webhooks.body(externalId, "running", "\"progress\":0.4");
        Webhooks.toJob(id, "msg_once", body).then().statusCode(200).body("outcome", equalTo("applied"));
        JsonPath before = Jobs.get(id);

        for (int i = 0; i < 3; i++) {
            Webhooks.toJob(id, "msg_once", body).then().statusCode(200)
                    .body("outcome", equalTo("ignored"))
                    .body("reason", equalTo("duplicate webhook-id"))
                    .body("version", equalTo(before.getInt("version")));
        }
        // Even a "newer" body under an id already seen is a redelivery, not news.
        Webhooks.toJob(id, "msg_once", Webhooks.body(externalId, "succeeded", "\"output\":{}"))
                .then().statusCode(200).body("reason", equalTo("duplicate webhook-id"));

        JsonPath after = Jobs.get(id);
        assertThat(after.getLong("version")).isEqualTo(before.getLong("version"));
        assertThat(after.getString("status")).isEqualTo("running");
        assertThat(after.getInt("delivery.webhooks_received")).isEqualTo(1);
        List<String> reasons = Jobs.events(id).getList("events.findAll { it.type == 'webhook_received' }.reason");
        assertThat(reasons).containsExactly(null, "duplicate webhook-id", "duplicate webhook-id",
                "duplicate webhook-id", "duplicate webhook-id");
    }

    @Test
    void aWebhookRefusedForNamingAnotherAiServerJobChangesNothingAndLeavesItsWebhookIdFree() {
        String id = Jobs.submit(Simulate.unfinished()).getString("id");
        JsonPath before = Jobs.get(id);

        Webhooks.toJob(id, "msg_refused", Webhooks.body("sim_someone_else", "succeeded", "\"output\":{}"))
                .then().statusCode(422);

        assertThat(Jobs.get(id).getLong("version")).isEqualTo(before.getLong("version"));
        assertThat(RedisKeys.matching(redis, "jobgw:job:{" + id + "}:seen:*")).isEmpty();
        Webhooks.toJob(id, "msg_refused", Webhooks.body(Webhooks.externalId(id), "running", "\"progress\":0.2"))
                .then().statusCode(200).body("outcome", equalTo("applied"));
    }

    @Test
    void aWebhookIdIsRememberedForTheConfiguredWindowOf24Hours() {
        String id = Jobs.submit(Simulate.unfinished()).getString("id");
        Webhooks.toJob(id, "msg_window", Webhooks.body(Webhooks.externalId(id), "running", "\"progress\":0.1"))
                .then().statusCode(200);

        String marker = "jobgw:job:{" + id + "}:seen:" + Ids.sha256("msg_window");
        assertThat(RedisKeys.matching(redis, "jobgw:job:{" + id + "}:seen:*")).containsExactly(marker);
        assertThat(config.webhooks().dedupeWindow()).isEqualTo(Duration.ofHours(24));
        assertThat(redis.key().pttl(marker))
                .isBetween(Duration.ofHours(24).minusMinutes(1).toMillis(), Duration.ofHours(24).toMillis());
    }

    @Test
    void aSenderThatDeliversEveryWebhookThreeTimesGetsEachRedeliveryIgnoredAsDuplicate() {
        String id = Jobs.submit(Simulate.webhook("duplicate").durationMs(600).progressSteps(2).input())
                .getString("id");
        Jobs.awaitTerminal(id);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> Jobs.events(id).getList("events.findAll { it.type == 'webhook_received' }").size() == 9);

        JsonPath job = Jobs.get(id);
        JsonPath events = Jobs.events(id);
        assertThat(job.getString("status")).isEqualTo("succeeded");
        // Each of the three webhooks counts at most once, whatever order the copies raced in.
        int applied = events.getList("events.findAll { it.type == 'webhook_received' && it.outcome == 'applied' }")
                .size();
        assertThat(applied).isBetween(1, 3);
        assertThat(job.getInt("delivery.webhooks_received")).isEqualTo(applied);
        assertThat(job.getLong("version")).isEqualTo(1 + applied);
        assertThat(events.getList("events.findAll { it.reason == 'duplicate webhook-id' }")).hasSize(6);
    }

    @Test
    void aSenderThatKeepsRedeliveringNeitherKeepsTheJobAliveNorFloodsItsTimeline() {
        String id = Jobs.submit(Simulate.unfinished()).getString("id");
        String externalId = Webhooks.externalId(id);
        Webhooks.toJob(id, "msg_done", Webhooks.body(externalId, "succeeded", "\"output\":{}")).then().statusCode(200);
        String jobKey = "jobgw:job:{" + id + "}";
        redis.key().pexpire(jobKey, Duration.ofHours(1).toMillis());
        int ignoredKept = config.jobs().timelineMaxIgnored();

        for (int i = 0; i < ignoredKept + 10; i++) {
            Webhooks.toJob(id, "msg_again_" + i, Webhooks.body(externalId, "succeeded", "\"output\":{}"))
                    .then().statusCode(200).body("outcome", equalTo("ignored"));
        }

        assertThat(redis.key().pttl(jobKey)).isLessThanOrEqualTo(Duration.ofHours(1).toMillis());
        // Read in pages of 20: Quarkus' mock Lambda event server, which these tests go through, stalls on answers of
        // more than about 8 KB (quarkusio/quarkus#44551).
        List<String> outcomes = new ArrayList<>();
        String after = null;
        do {
            JsonPath page = Jobs.events(id, "limit=20" + (after == null ? "" : "&after=" + after));
            outcomes.addAll(page.getList("events.outcome"));
            after = page.getString("next_after");
        } while (after != null);
        assertThat(outcomes.stream().filter("ignored"::equals)).hasSize(ignoredKept);
        assertThat(redis.hash(String.class).hget(jobKey, "ignored_reports"))
                .isEqualTo(Integer.toString(ignoredKept + 10));
    }

    @Test
    void theTimelineIsReadInPagesFollowingNextAfter() {
        String id = Jobs.submit(Simulate.unfinished()).getString("id");
        String externalId = Webhooks.externalId(id);
        for (int i = 1; i <= 4; i++) {
            Webhooks.toJob(id, "msg_p" + i, Webhooks.body(externalId, "running", "\"progress\":0." + i))
                    .then().statusCode(200);
        }

        JsonPath first = Jobs.events(id, "limit=3");
        JsonPath second = Jobs.events(id, "limit=3&after=" + first.getString("next_after"));

        assertThat(first.getList("events.type")).containsExactly("submitted", "handed_to_ai_server",
                "webhook_received");
        assertThat(second.getList("events.type")).containsExactly("webhook_received", "webhook_received",
                "webhook_received");
        assertThat(second.getString("next_after")).isNull();
    }
}
