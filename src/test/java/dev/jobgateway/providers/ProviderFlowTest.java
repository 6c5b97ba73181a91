package dev.jobgateway.providers;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.api.SubmitJobs;
import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.job.Job;
import dev.jobgateway.support.Api;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.ProviderCase;
import dev.jobgateway.support.Simulate;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.Webhooks;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * The whole flow for every provider, each against its dialect of the simulated AI server (its own API, webhooks and
 * signatures, or per-job URL tokens for the unsigned RunPod and Cog): submit → webhooks → succeeded or failed, cancel
 * propagated, redeliveries and reorders ignored, a webhook that beats the submit's answer kept, refused submits
 * retried. Shared behaviour, so one suite; a poll-only provider (ComfyUI) runs the cases that do not depend on
 * webhooks, its outcome learned by polling.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@org.junit.jupiter.api.Tag("cluster")
class ProviderFlowTest {

    /** Why the webhook-delivery cases do not apply to a poll-only provider (ComfyUI). */
    private static final String NO_WEBHOOKS = "a poll-only provider sends no webhooks: none to redeliver, reorder or "
            + "race the submit's answer (its polls are covered by ComfyUiProviderTest)";

    @Inject
    SimulatedAiServer aiServer;

    @Inject
    SubmitJobs submits;

    @Inject
    ProviderRegistry providers;

    @Inject
    ObjectMapper mapper;

    @ParameterizedTest
    @EnumSource(ProviderCase.class)
    void aJobSucceedsThroughItsProvidersAuthenticatedWebhooks(ProviderCase provider) {
        JsonPath submitted = Jobs.submitBody(provider.body(Jobs.simulate(Map.of("duration_ms", 300,
                "progress_steps", 2))));
        String id = submitted.getString("id");
        assertThat(submitted.getString("provider")).isEqualTo(provider.provider());
        assertThat(submitted.getString("model")).isEqualTo(provider.model());

        JsonPath done = Jobs.awaitTerminal(id);

        assertThat(done.getString("status")).isEqualTo("succeeded");
        assertThat(done.getString(provider.firstImageUrl())).startsWith("http://127.0.0.1:").endsWith(".png");
        assertThat(done.getString("completed_via")).isEqualTo(completedVia(provider));
        if (provider.pollOnly()) {
            assertThat(done.getString("delivery.state")).isEqualTo("polled");
            assertThat(done.getInt("delivery.webhooks_received")).isZero();
        } else {
            assertThat(done.getString("delivery.state")).isEqualTo("webhook_received");
            assertThat(done.getInt("delivery.webhooks_received")).isPositive();
        }
        assertThat(done.getDouble("progress")).isEqualTo(1.0);
        assertThat(done.getString("provider")).isEqualTo(provider.provider());
        JsonPath events = Jobs.events(id);
        assertThat(events.getString("events[0].details.provider")).isEqualTo(provider.provider());
        assertThat(aiServer.jobStatus(Webhooks.externalId(id))).isEqualTo("succeeded");
        System.out.printf("[measure] %s happy path: upstream calls per job: %d submit, %d status%n", provider,
                events.getInt("events.find { it.type == 'handed_to_ai_server' }.details.attempts"),
                aiServer.statusCalls(Webhooks.externalId(id)));
        if (!provider.pollOnly()) {
            assertThat(events.getList("events.findAll { it.type == 'webhook_received' && it.outcome == 'applied' }"
                    + ".details.authenticated_by")).containsOnly(provider.webhookAuth());
        }
    }

    @ParameterizedTest
    @EnumSource(ProviderCase.class)
    void aFailedGenerationCarriesTheProvidersError(ProviderCase provider) {
        String id = provider.submit(Map.of("duration_ms", 100, "outcome", "failed",
                "error_message", "NSFW content detected"));

        JsonPath done = Jobs.awaitTerminal(id);

        assertThat(done.getString("status")).isEqualTo("failed");
        assertThat(done.getString("error.source")).isEqualTo("ai_server");
        assertThat(done.getString("error.code")).isEqualTo("generation_failed");
        assertThat(done.getString("error_message")).contains("NSFW content detected");
        assertThat(done.getString("completed_via")).isEqualTo(completedVia(provider));
        assertThat((Object) done.get("output")).isNull();
    }

    @ParameterizedTest
    @EnumSource(ProviderCase.class)
    void aCancelReachesTheProviderAndItsLaterWebhooksChangeNothing(ProviderCase provider) {
        String id = provider.submit(Map.of("duration_ms", 60_000, "progress_steps", 0));
        String externalId = Webhooks.externalId(id);
        int cancelsBefore = aiServer.cancelCalls();

        given().post("/jobs/" + id + "/cancel").then().statusCode(200).header("Cancel-Outcome", "cancelled");

        assertThat(aiServer.cancelCalls() - cancelsBefore).isEqualTo(1);
        assertThat(aiServer.jobStatus(externalId)).isEqualTo("cancelled");
        JsonPath events = Jobs.events(id);
        assertThat(events.getString("events.find { it.type == 'ai_server_cancel' }.details.outcome"))
                .isEqualTo("accepted");
        // Replicate and generic report their side of the cancel by webhook; it finds the job ended already.
        long version = Jobs.get(id).getLong("version");
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> Jobs.get(id).getLong("version") == version);
        assertThat(Jobs.get(id).getString("status")).isEqualTo("cancelled");
        List<Map<String, Object>> afterCancel = Jobs.events(id).getList("events");
        afterCancel = afterCancel.subList(afterCancel.indexOf(afterCancel.stream()
                .filter(event -> event.get("type").equals("cancel_requested")).findFirst().orElseThrow()),
                afterCancel.size());
        assertThat(afterCancel).filteredOn(event -> event.get("type").equals("webhook_received"))
                .allSatisfy(event -> assertThat(event.get("outcome")).isEqualTo("ignored"));
    }

    @ParameterizedTest
    @EnumSource(ProviderCase.class)
    void redeliveriesOfEachWebhookAreIgnoredAsDuplicates(ProviderCase provider) {
        assumeFalse(provider.pollOnly(), NO_WEBHOOKS);
        String id = provider.submit(Simulate.webhook("duplicate").durationMs(300).progressSteps(1).knobs());
        Jobs.awaitTerminal(id);
        await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ofMillis(200))
                .until(() -> duplicates(id) > 0 && duplicates(id) % 2 == 0 && duplicates(id) == 2 * sent(id));

        JsonPath job = Jobs.get(id);
        JsonPath events = Jobs.events(id);
        int applied = events.getList("events.findAll { it.type == 'webhook_received' && it.outcome == 'applied' }")
                .size();
        assertThat(job.getString("status")).isEqualTo("succeeded");
        assertThat(job.getInt("delivery.webhooks_received")).isEqualTo(applied);
        assertThat(job.getLong("version")).isEqualTo(1 + applied);
    }

    @ParameterizedTest
    @EnumSource(ProviderCase.class)
    void webhooksInReverseOrderLeaveTheJobAtItsTerminalState(ProviderCase provider) {
        assumeFalse(provider.pollOnly(), NO_WEBHOOKS);
        String id = provider.submit(Simulate.webhook("out_of_order").durationMs(300).progressSteps(2).knobs());

        JsonPath done = Jobs.awaitTerminal(id);
        if (provider != ProviderCase.FAL && provider != ProviderCase.RUNPOD) {
            // The earlier webhooks follow the terminal one; fal and RunPod send one webhook only: nothing to reorder.
            await().atMost(Duration.ofSeconds(5)).until(() -> !ignoredReasons(id).isEmpty());
        }
        await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> true);

        JsonPath after = Jobs.get(id);
        assertThat(after.getString("status")).isEqualTo("succeeded");
        assertThat(after.getLong("version")).isEqualTo(done.getLong("version"));
        assertThat(after.getString(provider.firstImageUrl())).endsWith(".png");
        assertThat(ignoredReasons(id)).allSatisfy(reason -> assertThat(reason).startsWith("job already succeeded"));
    }

    private static List<String> ignoredReasons(String id) {
        return Jobs.events(id).getList(
                "events.findAll { it.type == 'webhook_received' && it.outcome == 'ignored' }.reason");
    }

    @ParameterizedTest
    @EnumSource(ProviderCase.class)
    void aWebhookThatBeatsTheSubmitAnswerIsNotLost(ProviderCase provider) throws Exception {
        assumeFalse(provider.pollOnly(), NO_WEBHOOKS);
        // In-process: the Lambda test loop runs one event at a time, so the webhook could not be taken while the
        // submit's event waits for the AI server's answer.
        var input = mapper.readTree("{\"prompt\":\"fast\",\"simulate\":{\"webhook\":\"before_response\"}}");
        Provider chosen = providers.find(provider.provider()).orElseThrow();
        Job submitted = submits.submit(Api.DEV_OWNER, new SubmitJobs.Request(input, Jobs.MAX_DURATION, chosen,
                chosen.route(provider.model())), null).await().atMost(Duration.ofSeconds(10)).job();

        JsonPath job = Jobs.get(submitted.id());

        assertThat(job.getString("status")).isEqualTo("succeeded");
        assertThat(job.getString("completed_via")).isEqualTo("webhook");
        assertThat(Jobs.events(submitted.id()).getInt(
                "events.find { it.type == 'handed_to_ai_server' }.details.attempts")).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(ProviderCase.class)
    void aSubmitTheProviderRefusesForNowIsTriedAgain(ProviderCase provider) {
        String id = provider.submit(Map.of("reject_submits", 1, "duration_ms", 50));

        JsonPath events = Jobs.events(id);

        assertThat(events.getInt("events.find { it.type == 'handed_to_ai_server' }.details.attempts")).isEqualTo(2);
        assertThat(Jobs.awaitTerminal(id).getString("status")).isEqualTo("succeeded");
    }

    /** How a finished job's news came: by its webhooks, or, for a provider that sends none, by polling. */
    private static String completedVia(ProviderCase provider) {
        return provider.pollOnly() ? "poll" : "webhook";
    }

    private static int duplicates(String id) {
        return Jobs.events(id).getList("events.findAll { it.reason == 'duplicate webhook-id' }").size();
    }

    /** Distinct webhooks received (each sent three times). */
    private static int sent(String id) {
        return Jobs.events(id).getList("events.findAll { it.type == 'webhook_received' && "
                + "it.reason != 'duplicate webhook-id' }").size();
    }
}
