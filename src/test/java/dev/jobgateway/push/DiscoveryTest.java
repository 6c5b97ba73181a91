package dev.jobgateway.push;

import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import dev.jobgateway.support.Api;
import dev.jobgateway.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The Lambda build: it serves no realtime endpoint, and without AppSync's domains discovery says push is off, so
 * clients keep long-polling; a browser's HTTP publish is refused in AppSync's error shape.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class DiscoveryTest {

    @Test
    void withoutAppSyncTheLambdaBuildTellsClientsPushIsOff() {
        Api.anonymous().get("/realtime").then().statusCode(200).body("enabled", equalTo(false));
    }

    @Test
    void aPublishOverHttpIsRefusedAsAppSyncRefusesIt() {
        Api.anonymous().contentType("application/json").body("{\"channel\":\"/jobs/x\",\"events\":[\"{}\"]}")
                .post("/event").then().statusCode(401)
                .body("errors[0].errorType", equalTo("UnauthorizedException"));
    }
}
