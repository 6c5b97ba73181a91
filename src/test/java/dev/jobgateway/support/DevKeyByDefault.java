package dev.jobgateway.support;

import io.quarkus.test.junit.callback.QuarkusTestBeforeEachCallback;
import io.quarkus.test.junit.callback.QuarkusTestMethodContext;
import io.restassured.RestAssured;

/**
 * Sends every RestAssured request of a {@code @QuarkusTest} with the dev API key unless the test chose otherwise
 * ({@link Api}), so tests about jobs need not repeat it. Registered in {@code META-INF/services}.
 */
public class DevKeyByDefault implements QuarkusTestBeforeEachCallback {

    @Override
    public void beforeEach(QuarkusTestMethodContext context) {
        if (RestAssured.filters().stream().noneMatch(Api.DevKey.class::isInstance)) {
            RestAssured.filters(new Api.DevKey());
        }
    }
}
