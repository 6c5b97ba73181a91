package dev.jobgateway.providers;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.ProviderCase;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.Webhooks;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * What is ComfyUI's own, against the simulator's ComfyUI dialect: the prompt id is a UUID made from the job id (current
 * servers take nothing else; an older server's own id is mapped), a submit whose answer is lost is found on ComfyUI
 * rather than sent again (ComfyUI would run it twice), an invalid graph fails the job with ComfyUI's node errors, the
 * queue position while pending, a queued
 * prompt cancelled by deleting it from the queue, a prompt ComfyUI forgot on a restart failed with
 * {@code error.source: upstream_lost}, an unanswered poll retried, and waits answered by polling at the cadence: one
 * upstream poll per interval however many clients wait, the answer within about one interval of completion.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class ComfyUiProviderTest {

    private static final Duration INTERVAL = Duration.ofSeconds(1);

    @Inject
    SimulatedAiServer aiServer;

    @Test
    void thePromptIdIsACanonicalUuidAndTheOutputsAreViewUrlsThatServeTheImage() throws Exception {
        String id = ProviderCase.COMFYUI.submit(Map.of("duration_ms", 200));

        JsonPath done = Jobs.awaitTerminal(id);

        String promptId = Webhooks.externalId(id);
        assertThat(UUID.fromString(promptId).toString()).isEqualTo(promptId);
        assertThat(done.getString("status")).isEqualTo("succeeded");
        String url = done.getString("output.images[0].url");
        assertThat(url).startsWith(aiServer.comfyuiUri() + "/view?type=output&subfolder=&filename=ComfyUI_")
                .endsWith(".png");
        assertThat(done.getString("output.images[0].node_id")).isEqualTo("9");
        HttpResponse<byte[]> image = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(image.statusCode()).isEqualTo(200);
        assertThat(image.headers().firstValue("Content-Type")).hasValue("image/png");
    }

    @Test
    void aServerThatIgnoresThePromptIdHasItsOwnIdMapped() {
        String id = ProviderCase.COMFYUI.submit(Map.of("duration_ms", 200, "ignore_prompt_id", true));

        JsonPath done = Jobs.awaitTerminal(id);

        assertThat(Webhooks.externalId(id)).matches("[0-9a-f-]{36}");
        assertThat(done.getString("status")).isEqualTo("succeeded");
    }

    /**
     * The answer to the submit never comes (ComfyUI took the prompt, then answered after the gateway's 2 s request
     * timeout): the gateway does not send it again, which would run the graph a second time, but finds the prompt in
     * ComfyUI's queue under the id it chose, and the job goes on.
     */
    @Test
    void aSubmitWhoseAnswerIsLostIsFoundOnComfyUiAndNeverRunTwice() {
        String id = ProviderCase.COMFYUI.submit(Map.of("duration_ms", 500, "submit_delay_ms", 3_000,
                "slow_submits", 1));

        JsonPath done = Jobs.awaitTerminal(id);

        String promptId = Webhooks.externalId(id);
        assertThat(done.getString("status")).isEqualTo("succeeded");
        assertThat(aiServer.comfyuiRuns(promptId)).isEqualTo(1);
        assertThat(Jobs.events(id).getInt("events.find { it.type == 'handed_to_ai_server' }.details.attempts"))
                .isEqualTo(1);
    }

    @Test
    void aGraphComfyUiCannotRunFailsTheJobWithItsNodeErrors() {
        Map<String, Object> workflow = new LinkedHashMap<>(ProviderCase.workflow("a cat"));
        workflow.put("4", Map.of("class_type", "CheckpointLoaderSimple", "inputs",
                Map.of("ckpt_name", "missing.safetensors")));

        String id = Jobs.submitBody(Map.of("provider", "comfyui", "input", Map.of("workflow", workflow)))
                .getString("id");
        JsonPath job = Jobs.get(id);

        assertThat(job.getString("status")).isEqualTo("failed");
        assertThat(job.getString("error.source")).isEqualTo("submit");
        assertThat(job.getString("error.code")).isEqualTo("ai_server_rejected");
        assertThat(job.getString("error_message")).contains("HTTP 400").contains("Prompt outputs failed validation")
                .contains("node 4 (CheckpointLoaderSimple): Value not in list");
    }

    @Test
    void aPendingPromptShowsItsQueuePositionAndIsCancelledByDeletingItFromTheQueue() {
        String id = ProviderCase.COMFYUI.submit(Map.of("duration_ms", 60_000, "queued_ms", 60_000,
                "progress_steps", 0));
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> Jobs.get(id).get("queue_position") != null);
        assertThat(Jobs.get(id).getString("status")).isEqualTo("queued");
        int cancels = aiServer.cancelCalls();

        given().post("/jobs/" + id + "/cancel").then().statusCode(200).header("Cancel-Outcome", "cancelled");

        assertThat(aiServer.cancelCalls() - cancels).isEqualTo(1);
        assertThat(aiServer.jobStatus(Webhooks.externalId(id))).isEqualTo("cancelled");
        assertThat(Jobs.events(id).getString("events.find { it.type == 'ai_server_cancel' }.details.message"))
                .contains("deleted the prompt from its queue");
    }

    @Test
    void aRunningPromptIsInterruptedOnlyOnceTheQueueShowsItRunning() {
        String id = ProviderCase.COMFYUI.submit(Map.of("duration_ms", 60_000, "progress_steps", 0));
        String promptId = Webhooks.externalId(id);
        await().atMost(Duration.ofSeconds(5)).until(() -> "running".equals(aiServer.jobStatus(promptId)));

        given().post("/jobs/" + id + "/cancel").then().statusCode(200).header("Cancel-Outcome", "cancelled");

        assertThat(aiServer.jobStatus(promptId)).isEqualTo("cancelled");
        assertThat(Jobs.events(id).getString("events.find { it.type == 'ai_server_cancel' }.details.message"))
                .contains("interrupted the running prompt");
    }

    @Test
    void aPromptComfyUiForgotOnARestartFailsTheJobInsteadOfLeavingItStuck() {
        String id = ProviderCase.COMFYUI.submit(Map.of("duration_ms", 60_000, "progress_steps", 0));
        await().atMost(Duration.ofSeconds(5)).until(() -> "running".equals(Jobs.get(id).getString("status")));

        aiServer.restartComfyui();
        JsonPath done = Jobs.awaitTerminal(id);

        assertThat(done.getString("status")).isEqualTo("failed");
        assertThat(done.getString("error.source")).isEqualTo("upstream_lost");
        assertThat(done.getString("error.code")).isEqualTo("prompt_lost");
        assertThat(done.getString("error_message")).contains("neither in its history nor in its queue");
        assertThat(done.getString("completed_via")).isEqualTo("poll");
    }

    @Test
    void aPollComfyUiCannotAnswerIsRetriedAtTheNextIntervalNeverTakenForAFailure() {
        String id = ProviderCase.COMFYUI.submit(Map.of("duration_ms", 200, "status_errors", 1));

        JsonPath done = Jobs.awaitTerminal(id);

        assertThat(done.getString("status")).isEqualTo("succeeded");
        assertThat(Jobs.events(id).getList("events.type")).containsSubsequence("upstream_check_failed",
                "upstream_checked");
    }

    @Test
    void comfyUiHasNoWebhookRouteSoAnythingPostedThereIsAnUnknownProvider() {
        String id = ProviderCase.COMFYUI.submit(Map.of("duration_ms", 60_000));
        long version = Jobs.get(id).getLong("version");

        given().contentType(ContentType.JSON).body("{\"prompt_id\":\"" + id + "\",\"status\":\"success\"}")
                .post("/webhooks/comfyui/" + id).then().statusCode(404)
                .body("type", equalTo("https://job-gateway.dev/problems/unknown-provider"));

        assertThat(Jobs.get(id).getLong("version")).isEqualTo(version);
    }

    /**
     * Ten clients long-poll one job: the waits, not the clients, drive the polls, one per interval between them, and
     * each client has its answer within about one interval of the simulator's completion.
     */
    @Test
    void tenWaitingClientsMakeOnePollPerIntervalAndHaveTheAnswerWithinAnIntervalOfCompletion() throws Exception {
        long durationMs = 4_000;
        String id = ProviderCase.COMFYUI.submit(Map.of("duration_ms", durationMs));
        Instant submitted = Instant.now();
        List<CompletableFuture<Response>> waits = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            waits.add(CompletableFuture.supplyAsync(() -> given().get("/jobs/" + id + "?wait=20")));
        }

        List<Instant> answeredAt = new ArrayList<>();
        for (CompletableFuture<Response> wait : waits) {
            Response answer = wait.get();
            answeredAt.add(Instant.now());
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.jsonPath().getString("status")).isEqualTo("succeeded");
        }

        String promptId = Webhooks.externalId(id);
        Instant completed = aiServer.completedAt(promptId);
        int polls = aiServer.statusCalls(promptId);
        long seconds = Duration.between(submitted, completed).toMillis() / 1000 + 1;
        Duration latest = answeredAt.stream().map(at -> Duration.between(completed, at)).max(Duration::compareTo)
                .orElseThrow();
        System.out.printf("[measure] comfyui: 10 waits, %d history polls over %d s; last answer %d ms after "
                + "completion%n", polls, seconds, latest.toMillis());
        // One poll per interval (plus the one that finds it), never one per client or per re-read.
        assertThat(polls).isBetween(2, (int) seconds + 2);
        // An interval, plus a loaded machine's slack for the poll's own round trip.
        assertThat(latest).isLessThan(INTERVAL.plusMillis(700));
    }
}
