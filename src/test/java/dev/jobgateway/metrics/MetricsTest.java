package dev.jobgateway.metrics;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.jobgateway.providers.StandardWebhook;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.Simulate;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.WebhookSecrets;
import dev.jobgateway.support.Webhooks;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

/**
 * The delivery meters after known scenarios: a dropped webhook made up for by a check moves the missing-webhook ratio,
 * a redelivery counts as a duplicate, a forged webhook counts as a bad signature and changes nothing (not even the
 * shared counts in Redis); the operator actions do what they say, are recorded with who did it and are safe to
 * repeat; {@code /q/metrics} shows the meters.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class MetricsTest {

    private static final String OPERATOR_KEY = "dev-operator-key";

    @Inject
    MeterRegistry registry;

    @Inject
    RedisDataSource redis;

    @Test
    void aDroppedWebhookMadeUpForByACheckMovesTheMissingWebhookRatio() {
        double ratioBefore = ratio("generic");
        double polledBefore = count("gateway.jobs.completed", "provider", "generic", "completed_via", "poll");
        double recoveredBefore = count("gateway.fallback.checks", "provider", "generic", "result", "recovered");
        String id = Jobs.submit(Simulate.webhookDropped().durationMs(100).input()).getString("id");

        // The AI server finishes at once and its webhook is lost; the operator's check finds out.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> "updated".equals(
                operator().header("X-Operator", "alice").post("/internal/ops/jobs/" + id + "/reconcile")
                        .then().statusCode(200).extract().jsonPath().getString("result")));

        assertThat(Jobs.get(id).getString("completed_via")).isEqualTo("poll");
        assertThat(count("gateway.jobs.completed", "provider", "generic", "completed_via", "poll"))
                .isEqualTo(polledBefore + 1);
        assertThat(count("gateway.fallback.checks", "provider", "generic", "result", "recovered"))
                .isEqualTo(recoveredBefore + 1);
        assertThat(ratio("generic")).isGreaterThan(ratioBefore);
        List<Map<String, Object>> actions = Jobs.events(id)
                .getList("events.findAll { it.type == 'operator_action' }.details");
        assertThat(actions).last().satisfies(details -> {
            assertThat(details).containsEntry("action", "reconcile").containsEntry("by", "alice")
                    .containsEntry("result", "updated");
        });

        JsonPath report = operator().get("/internal/ops/delivery?window=15m").then().statusCode(200).extract()
                .jsonPath();
        assertThat(report.getInt("providers.find { it.provider == 'generic' }.completed_via.poll"))
                .isGreaterThanOrEqualTo(1);
        assertThat(report.getInt("providers.find { it.provider == 'generic' }.polls.recovered"))
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void aRedeliveredWebhookCountsAsDuplicate() {
        String id = Jobs.submit(Simulate.unfinished()).getString("id");
        String body = Webhooks.body(Webhooks.externalId(id), "running", "\"progress\":0.3");
        double applied = count("gateway.webhooks.received", "provider", "generic", "result", "applied");
        double duplicate = count("gateway.webhooks.received", "provider", "generic", "result", "duplicate");

        Webhooks.toJob(id, "msg_metrics_dup", body).then().statusCode(200);
        Webhooks.toJob(id, "msg_metrics_dup", body).then().statusCode(200);

        assertThat(count("gateway.webhooks.received", "provider", "generic", "result", "applied"))
                .isGreaterThanOrEqualTo(applied + 1);
        assertThat(count("gateway.webhooks.received", "provider", "generic", "result", "duplicate"))
                .isEqualTo(duplicate + 1);
        assertThat(registry.find("gateway.webhooks.delivery_lag").tag("provider", "generic").timer())
                .isNotNull().satisfies(timer -> assertThat(timer.count()).isPositive());
    }

    @Test
    void aForgedWebhookCountsAsBadSignatureAndChangesNothing() {
        String id = Jobs.submit(Simulate.unfinished()).getString("id");
        String body = Webhooks.body(Webhooks.externalId(id), "succeeded", "\"output\":{}");
        double bad = count("gateway.webhooks.received", "provider", "generic", "result", "bad_signature");
        JsonPath before = Jobs.get(id);
        Map<String, String> countsBefore = countsNow();

        signedWith(WebhookSecrets.of("not the secret"),
                "msg_metrics_forged", body).post("/webhooks/generic/" + id).then().statusCode(401);

        assertThat(count("gateway.webhooks.received", "provider", "generic", "result", "bad_signature"))
                .isEqualTo(bad + 1);
        JsonPath after = Jobs.get(id);
        assertThat(after.getLong("version")).isEqualTo(before.getLong("version"));
        assertThat(after.getString("status")).isEqualTo("queued");
        assertThat(countsNow().getOrDefault("webhook:bad_signature", "0"))
                .isEqualTo(countsBefore.getOrDefault("webhook:bad_signature", "0"));
    }

    @Test
    void aReplayedWebhookIsRecordedWithWhoDidItAndChangesTheJobAtMostOnce() {
        String id = Jobs.submit(Simulate.unfinished()).getString("id");
        String externalId = Webhooks.externalId(id);
        Webhooks.toJob(id, "msg_replay_1", Webhooks.body(externalId, "running", "\"progress\":0.2"))
                .then().statusCode(200);
        String entry = Jobs.events(id).getString("events.find { it.type == 'webhook_received' }.id");
        // A later webhook the replay cannot undo: the replayed report is older news.
        Webhooks.toJob(id, "msg_replay_2", Webhooks.body(externalId, "running", "\"progress\":0.6"))
                .then().statusCode(200);
        long version = Jobs.get(id).getLong("version");

        JsonPath first = operator().header("X-Operator", "bob").post("/internal/ops/jobs/" + id + "/replay/" + entry)
                .then().statusCode(200).extract().jsonPath();
        JsonPath again = operator().post("/internal/ops/jobs/" + id + "/replay/" + entry)
                .then().statusCode(200).extract().jsonPath();

        assertThat(first.getString("result")).isEqualTo("ignored");
        assertThat(first.getString("reason")).startsWith("stale progress");
        assertThat(again.getString("reason")).isEqualTo("duplicate webhook-id");
        assertThat(Jobs.get(id).getLong("version")).isEqualTo(version);
        List<Map<String, Object>> replays = Jobs.events(id)
                .getList("events.findAll { it.type == 'operator_action' }.details");
        assertThat(replays).first().satisfies(details -> assertThat(details)
                .containsEntry("action", "replay_webhook").containsEntry("by", "bob")
                .containsEntry("replayed_entry", entry));
    }

    @Test
    void theOverdueListIsOldestFirstAndPaged() {
        JsonPath page = operator().get("/internal/ops/overdue?limit=2").then().statusCode(200).extract().jsonPath();

        assertThat(page.getLong("total_overdue")).isGreaterThanOrEqualTo(page.getList("jobs").size());
        List<String> due = page.getList("jobs.due_at");
        assertThat(due).isSortedAccordingTo((a, b) -> Instant.parse(a).compareTo(Instant.parse(b)));
        assertThat(page.getList("jobs")).hasSizeLessThanOrEqualTo(2);
    }

    @Test
    void metricsEndpointShowsTheDeliveryMeters() {
        String id = Jobs.submit(Jobs.simulate(Map.of("duration_ms", 100))).getString("id");
        Jobs.awaitTerminal(id);
        await().atMost(Duration.ofSeconds(5)).until(() -> count("gateway.jobs.completed", "provider", "generic",
                "completed_via", "webhook") > 0);

        String text = given().get("/q/metrics").then().statusCode(200).extract().asString();

        assertThat(text).contains("gateway_jobs_submitted_total{", "gateway_jobs_completed_total{",
                "gateway_webhooks_received_total{", "gateway_webhooks_delivery_lag_seconds_bucket{",
                "gateway_jobs_missing_webhook_ratio{", "gateway_waits_held", "gateway_sweeper_overdue");
        assertThat(text).doesNotContain(id);
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    private static RequestSpecification operator() {
        return given().header("Authorization", "Bearer " + OPERATOR_KEY);
    }

    private double count(String name, String... tags) {
        return registry.find(name).tags(tags).counters().stream().mapToDouble(Counter::count).sum();
    }

    private double ratio(String provider) {
        Gauge gauge = registry.find("gateway.jobs.missing_webhook_ratio").tag("provider", provider).gauge();
        return gauge == null ? 0 : gauge.value();
    }

    /** The generic provider's shared per-minute counts of this minute. */
    private Map<String, String> countsNow() {
        return redis.hash(String.class).hgetall(DeliveryStats.key("generic", Instant.now().getEpochSecond() / 60));
    }

    private static RequestSpecification signedWith(String secret, String webhookId, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        long now = Instant.now().getEpochSecond();
        return given().contentType("application/json").body(bytes).header(StandardWebhook.ID_HEADER, webhookId)
                .header(StandardWebhook.TIMESTAMP_HEADER, now)
                .header(StandardWebhook.SIGNATURE_HEADER, StandardWebhook.sign(secret, webhookId, now, bytes));
    }
}
