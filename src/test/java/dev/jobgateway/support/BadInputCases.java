package dev.jobgateway.support;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.jobgateway.auth.ReadTokens;
import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.providers.StandardWebhook;
import dev.jobgateway.providers.fal.FalProvider;
import io.quarkus.redis.datasource.RedisDataSource;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * The harness of the bad-input suites (api/BadInputTest for what is provider-neutral, one {@code *BadInputTest}
 * beside each provider's tests for its own): every client or sender mistake is a clear 4xx problem+json, never a
 * 500, and changes nothing in Redis: each case compares every key's serialized value (DUMP) before and after. The
 * keys of jobs other tests left behind are left out, since their simulated AI server may still report on them; the
 * suite's own jobs are in. A suite is a {@code @QuarkusTest} subclass with a static {@code cases()} of {@link #add}ed
 * cases.
 */
public abstract class BadInputCases {

    public static final String UNKNOWN_JOB = "job_AAAAAAAAAAAAAAAAAAAAAA";

    /**
     * Queued jobs of owner {@code dev} that their AI servers hold (webhooks dropped), one per provider, with their
     * AI-server ids; the generic job's read token, and read tokens that must not work on it: one for another job,
     * one expired, one forged; and the simulated AI server and fal adapter (whose keys some cases break and restore).
     */
    public record Fixture(String jobId, String externalId, String readToken, String otherJobToken,
            String expiredToken, String forgedToken, String replicateJobId, String predictionId, String falJobId,
            String falRequestId, SimulatedAiServer ai, FalProvider fal, String runpodJobId, String runpodExternalId,
            String runpodUrl, String cogJobId, String cogUrl) {

        List<String> jobIds() {
            return List.of(jobId, replicateJobId, falJobId, runpodJobId, cogJobId);
        }
    }

    /** One bad request and the problem it must get. */
    public record Case(Function<Fixture, Response> request, int status, String type, String title) {
    }

    private static Fixture fixture;

    @Inject
    RedisDataSource redis;

    @Inject
    SimulatedAiServer ai;

    @Inject
    FalProvider fal;

    @Inject
    ReadTokens tokens;

    /** Each suite aims at jobs of its own: another suite may have run on another start of the application. */
    @BeforeAll
    static void noJobsYet() {
        fixture = null;
    }

    @BeforeEach
    void oneJobPerProviderToAimAt() {
        if (fixture == null) {
            Map<String, Object> held = Simulate.webhookDropped().durationMs(600_000).progressSteps(0).knobs();
            var submitted = Jobs.submit(Jobs.simulate(held));
            String id = submitted.getString("id");
            String token = submitted.getString("read_token");
            String expired = tokens.mint(Api.DEV_OWNER, Ids.sha256(Api.DEV_KEY), List.of(id), Duration.ofSeconds(60),
                    Instant.now().minusSeconds(120)).token();
            String forged = token.substring(0, token.length() - 2) + (token.endsWith("AA") ? "BB" : "AA");
            String replicate = ProviderCase.REPLICATE.submit(held);
            String falJob = ProviderCase.FAL.submit(held);
            String runpodJob = ProviderCase.RUNPOD.submit(held);
            String cogJob = ProviderCase.COG.submit(held);
            fixture = new Fixture(id, Webhooks.externalId(id), token, tokens.mint(Api.DEV_OWNER,
                    Ids.sha256(Api.DEV_KEY), List.of(UNKNOWN_JOB)).token(), expired, forged,
                    replicate, Webhooks.externalId(replicate), falJob,
                    Webhooks.externalId(falJob), ai, fal, runpodJob, Webhooks.externalId(runpodJob),
                    webhookPath(ai, runpodJob), cogJob, webhookPath(ai, cogJob));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isRejectedWithItsProblemAndChangesNothing(String name, Case bad) {
        Map<String, String> before = relevantState();

        Response response = bad.request().apply(fixture);

        assertThat(response.statusCode()).as(response.asString()).isEqualTo(bad.status());
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.jsonPath().getString("type")).isEqualTo("https://job-gateway.dev/problems/" + bad.type());
        assertThat(response.jsonPath().getString("title")).isEqualTo(bad.title());
        assertThat(response.jsonPath().getInt("status")).isEqualTo(bad.status());
        assertThat(response.jsonPath().getString("detail")).isNotBlank().doesNotContain("Exception");
        assertThat(relevantState()).isEqualTo(before);
    }

    protected static void add(List<Arguments> cases, String name, Function<Fixture, Response> request, int status,
            String type, String title) {
        cases.add(Arguments.of(name, new Case(request, status, type, title)));
    }

    /** A request with a JSON body. */
    protected static RequestSpecification json(String body) {
        return given().contentType("application/json").body(body);
    }

    protected static long now() {
        return Instant.now().getEpochSecond();
    }

    /** A Standard Webhooks request signed with {@code secret}. */
    protected static RequestSpecification signedWith(String secret, String webhookId, String body, long timestamp) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return given().contentType("application/json").body(bytes)
                .header(StandardWebhook.ID_HEADER, webhookId)
                .header(StandardWebhook.TIMESTAMP_HEADER, timestamp)
                .header(StandardWebhook.SIGNATURE_HEADER, StandardWebhook.sign(secret, webhookId, timestamp, bytes));
    }

    /** The URL without its token. */
    protected static String withoutToken(String path) {
        return path.substring(0, path.indexOf('?'));
    }

    /** A Replicate prediction body for {@code id} with {@code status} and extra members. */
    protected static String prediction(String id, String status, String extraMembers) {
        return "{\"id\":\"" + id + "\",\"model\":\"black-forest-labs/flux-schnell\",\"status\":\"" + status + "\""
                + (extraMembers == null ? "" : "," + extraMembers) + "}";
    }

    /** The per-job webhook URL (path and query, with its token) the gateway gave the AI server for a job. */
    private static String webhookPath(SimulatedAiServer ai, String jobId) {
        String url = ai.submittedWebhookUrls().stream().filter(u -> u.contains("/" + jobId + "?")).findFirst()
                .orElseThrow();
        return url.substring(url.indexOf("/webhooks/"));
    }

    /** Every key but those of other tests' jobs, with its DUMPed value. */
    private Map<String, String> relevantState() {
        List<String> mine = fixture.jobIds().stream().map(id -> "jobgw:job:{" + id + "}").toList();
        Map<String, String> state = RedisKeys.snapshot(redis);
        state.keySet().removeIf(key -> key.startsWith("jobgw:job:{") && mine.stream().noneMatch(key::startsWith));
        // The per-minute delivery counts move with every other test's jobs; a refused request never writes them
        // (MetricsTest).
        state.keySet().removeIf(key -> key.startsWith("jobgw:stats:"));
        // Shared call budgets count other tests' fallback checks and expire on their own; no bad request reaches them.
        state.keySet().removeIf(key -> key.startsWith("jobgw:ratelimit:"));
        return state;
    }
}
