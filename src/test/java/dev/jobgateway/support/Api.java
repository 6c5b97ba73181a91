package dev.jobgateway.support;

import static io.restassured.RestAssured.given;

import io.restassured.filter.Filter;
import io.restassured.filter.FilterContext;
import io.restassured.response.Response;
import io.restassured.specification.FilterableRequestSpecification;
import io.restassured.specification.FilterableResponseSpecification;
import io.restassured.specification.RequestSpecification;

/**
 * The API keys of the test build and how requests carry them. Every test request is sent with the dev key
 * ({@link DevKey}, installed by {@link DevKeyByDefault}); tests about authentication pick another key, or none.
 */
public final class Api {

    /** {@code %test.gateway.api-keys}: the dev key stands for owner {@code dev}, the other key for {@code other}. */
    public static final String DEV_KEY = "dev-key";
    public static final String DEV_OWNER = "dev";
    public static final String OTHER_KEY = "other-key";
    public static final String OTHER_OWNER = "other";

    private Api() {
    }

    /** A request as the owner of {@code key}. */
    public static RequestSpecification withKey(String key) {
        return withAuthorization("Bearer " + key);
    }

    /** A request whose {@code Authorization} header is exactly {@code value}. */
    public static RequestSpecification withAuthorization(String value) {
        return anonymous().header("Authorization", value);
    }

    /** A request without any {@code Authorization} header. */
    public static RequestSpecification anonymous() {
        return given().noFiltersOfType(DevKey.class);
    }

    /** Adds the dev key to a request that has no {@code Authorization} header. */
    static final class DevKey implements Filter {
        @Override
        public Response filter(FilterableRequestSpecification request, FilterableResponseSpecification response,
                FilterContext context) {
            if (!request.getHeaders().hasHeaderWithName("Authorization")) {
                request.header("Authorization", "Bearer " + DEV_KEY);
            }
            return context.next(request, response);
        }
    }
}
