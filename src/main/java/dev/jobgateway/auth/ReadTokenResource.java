package dev.jobgateway.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.platform.JsonBodies;
import dev.jobgateway.platform.ProblemType;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Mints one read token for a list of jobs: what the app's backend calls, with its API key, before a browser list
 * screen watches those jobs. Nothing is stored and Redis is not asked: the token grants reads of the listed jobs
 * only as far as the key's owner could read them (another owner's job stays unknown with it).
 */
@Path("/read-tokens")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
class ReadTokenResource {

    static final String JOB_IDS = "job_ids";
    static final String TTL = "ttl_seconds";

    private final ReadTokens tokens;
    private final Caller caller;
    private final JsonBodies bodies;
    private final int maxJobs;

    ReadTokenResource(ReadTokens tokens, Caller caller, JsonBodies bodies, GatewayConfig config) {
        this.tokens = tokens;
        this.caller = caller;
        this.bodies = bodies;
        this.maxJobs = config.limits().maxBatchIds();
    }

    /** A minted token: the bearer value, when it expires, and the jobs it reads. */
    @RegisterForReflection
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record MintedToken(String readToken, Instant expiresAt, List<String> jobIds) {
    }

    /** {@code {"job_ids": ["job_…", …], "ttl_seconds": 900}}: 1 to 50 ids; the lifetime is optional. */
    @POST
    @Consumes(MediaType.WILDCARD)
    public MintedToken mint(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, byte[] body) {
        if (!tokens.enabled()) {
            throw ProblemType.READ_TOKENS_DISABLED.with("This gateway has no read-token key "
                    + "(GATEWAY_READ_TOKENS_KEYS): read jobs with the API key.");
        }
        JsonNode root = bodies.object(contentType, body, "{\"" + JOB_IDS + "\": [\"job_...\"]}", List.of(JOB_IDS, TTL));
        List<String> ids = jobIds(root.get(JOB_IDS));
        Duration lifetime = lifetime(root.get(TTL));
        ReadTokens.Minted minted = tokens.mint(caller.owner(), caller.apiKeyHash(), ids, lifetime);
        return new MintedToken(minted.token(), minted.expiresAt(), ids);
    }

    private List<String> jobIds(JsonNode listed) {
        if (listed == null || !listed.isArray()) {
            throw invalid("'" + JOB_IDS + "' must be an array of job ids.");
        }
        Set<String> ids = new LinkedHashSet<>();
        for (JsonNode id : listed) {
            if (!id.isTextual() || !Ids.isJobId(id.asText())) {
                throw invalid("'" + JOB_IDS + "' holds something that is not a job id.");
            }
            ids.add(id.asText());
        }
        if (ids.isEmpty()) {
            throw ProblemType.MISSING_IDS.with("List the jobs the token reads in '" + JOB_IDS + "' (at most " + maxJobs
                    + ").");
        }
        if (ids.size() > maxJobs) {
            throw ProblemType.TOO_MANY_IDS.with(ids.size() + " ids listed; a token reads at most " + maxJobs + ".");
        }
        return new ArrayList<>(ids);
    }

    private Duration lifetime(JsonNode requested) {
        long max = tokens.ttl().toSeconds();
        if (requested == null || requested.isNull()) {
            return tokens.ttl();
        }
        if (!requested.isIntegralNumber() || !requested.canConvertToLong() || requested.asLong() < 1
                || requested.asLong() > max) {
            throw invalid("'" + TTL + "' must be a whole number of seconds from 1 to " + max + ".");
        }
        return Duration.ofSeconds(requested.asLong());
    }

    private static dev.jobgateway.platform.ApiException invalid(String detail) {
        return ProblemType.INVALID_REQUEST.with(detail);
    }
}
