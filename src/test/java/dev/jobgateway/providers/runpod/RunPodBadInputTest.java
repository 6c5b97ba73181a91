package dev.jobgateway.providers.runpod;

import static io.restassured.RestAssured.given;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.params.provider.Arguments;

import dev.jobgateway.support.BadInputCases;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.Webhooks;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * RunPod's bad inputs: endpoint ids that would leave the path, and unsigned webhooks without the per-job URL token or
 * with a wrong one, unknown statuses, other jobs.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class RunPodBadInputTest extends BadInputCases {

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        add(cases, "RunPod endpoint id climbing out of the path", f -> json(
                "{\"provider\":\"runpod\",\"model\":\"../v1/admin\",\"input\":{}}").post("/jobs"), 422,
                "invalid-request", "Invalid request");
        // RunPod webhooks: unsigned, the per-job URL token is all
        Function<Fixture, String> completed = f -> "{\"id\":\"" + f.runpodExternalId()
                + "\",\"status\":\"COMPLETED\",\"output\":{\"images\":[]}}";
        add(cases, "RunPod webhook without the URL's token", f -> given().contentType("application/json")
                .body(completed.apply(f)).post(withoutToken(f.runpodUrl())), 401, "invalid-webhook-signature",
                "Webhook not authenticated");
        add(cases, "RunPod webhook with a wrong token", f -> given().contentType("application/json")
                .body(completed.apply(f)).post(withoutToken(f.runpodUrl()) + "?token=guessed-token-0000000000"), 401,
                "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "RunPod webhook with an empty token", f -> given().contentType("application/json")
                .body(completed.apply(f)).post(withoutToken(f.runpodUrl()) + "?token="), 401,
                "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "RunPod webhook with another job's token", f -> given().contentType("application/json")
                .body(completed.apply(f)).post("/webhooks/runpod/" + f.runpodJobId()
                        + f.cogUrl().substring(f.cogUrl().indexOf('?'))),
                401, "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "RunPod webhook to the fixed URL", f -> given().contentType("application/json")
                .body(completed.apply(f)).queryParam("token", "anything").post("/webhooks/runpod"), 401,
                "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "RunPod webhook with Standard Webhooks headers but no token", f -> signedWith(Webhooks.secret(),
                "msg_rp1", completed.apply(f), now()).post(withoutToken(f.runpodUrl())), 401,
                "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "RunPod webhook with a status RunPod does not have", f -> given().contentType("application/json")
                .body("{\"id\":\"" + f.runpodExternalId() + "\",\"status\":\"succeeded\"}").post(f.runpodUrl()),
                422, "unknown-status", "Unknown status");
        add(cases, "RunPod webhook that is not JSON", f -> given().contentType("application/json").body("COMPLETED")
                .post(f.runpodUrl()), 400, "invalid-json", "Malformed JSON");
        add(cases, "RunPod webhook naming another RunPod job", f -> given().contentType("application/json")
                .body("{\"id\":\"someone-elses-job-u1\",\"status\":\"COMPLETED\"}").post(f.runpodUrl()), 422,
                "external-id-mismatch", "Webhook names another job");
        return cases.stream();
    }
}
