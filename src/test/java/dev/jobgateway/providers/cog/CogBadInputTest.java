package dev.jobgateway.providers.cog;

import static io.restassured.RestAssured.given;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.params.provider.Arguments;

import dev.jobgateway.support.BadInputCases;
import dev.jobgateway.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;

/**
 * Cog's bad inputs: a model (Cog serves one), and webhooks without the per-job URL token or the server's bearer token,
 * unknown statuses, other predictions, oversized bodies.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class CogBadInputTest extends BadInputCases {

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        add(cases, "model for the Cog provider", f -> json(
                "{\"provider\":\"cog\",\"model\":\"a/b\",\"input\":{}}").post("/jobs"), 422, "invalid-request",
                "Invalid request");

        // Cog webhooks: the per-job URL token and, this server having WEBHOOK_AUTH_TOKEN, its bearer token
        String cogToken = ConfigProvider.getConfig().getValue("gateway.providers.cog.webhook-auth-token",
                String.class);
        Function<Fixture, String> cogDone = f -> "{\"id\":\"" + f.cogJobId()
                + "\",\"status\":\"succeeded\",\"output\":[\"x.png\"]}";
        add(cases, "Cog webhook without the bearer token", f -> cog(null, cogDone.apply(f)).post(f.cogUrl()), 401,
                "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "Cog webhook with a wrong bearer token", f -> cog("not-the-token", cogDone.apply(f))
                .post(f.cogUrl()), 401, "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "Cog webhook with the bearer token one character short", f -> cog(cogToken.substring(1),
                cogDone.apply(f)).post(f.cogUrl()), 401, "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "Cog webhook with the bearer token but no URL token", f -> cog(cogToken, cogDone.apply(f))
                .post(withoutToken(f.cogUrl())), 401, "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "Cog webhook with the bearer token and a wrong URL token", f -> cog(cogToken, cogDone.apply(f))
                .post(withoutToken(f.cogUrl()) + "?token=guessed-token-0000000000"), 401,
                "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "Cog webhook with a status Cog does not have", f -> cog(cogToken, "{\"id\":\"" + f.cogJobId()
                + "\",\"status\":\"COMPLETED\"}").post(f.cogUrl()), 422, "unknown-status", "Unknown status");
        add(cases, "Cog webhook naming another prediction", f -> cog(cogToken, "{\"id\":\"" + f.jobId()
                + "\",\"status\":\"succeeded\"}").post(f.cogUrl()), 422, "external-id-mismatch",
                "Webhook names another job");
        add(cases, "Cog webhook over its 5 MiB limit", f -> cog(cogToken, "{\"id\":\"" + f.cogJobId()
                + "\",\"status\":\"succeeded\",\"output\":\"data:image/png;base64," + "A".repeat(5 * 1024 * 1024)
                + "\"}").post(f.cogUrl()), 413, "body-too-large", "Request body too large");
        return cases.stream();
    }

    private static RequestSpecification cog(String bearer, String body) {
        RequestSpecification request = given().contentType("application/json").body(body);
        return bearer == null ? request : request.header("Authorization", "Bearer " + bearer);
    }
}
