package dev.jobgateway.fallback;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirements;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.platform.ProblemType;
import io.smallrye.mutiny.Uni;

/**
 * The sweeper's trigger. On Lambda a schedule invokes it with an HTTP-API-shaped event; the route is not
 * published on the API. A plain-HTTP instance also sweeps by itself ({@link SweepSchedule}) and answers this route
 * only with the sweeper key. Calling it more
 * often is harmless: the per-job check lease bounds what it can make the gateway do.
 */
@Path("/internal/sweep")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "internal", description = "Operators and the sweeper, with their own keys: not routed on AWS (the status "
        + "function is invoked directly)")
@SecurityRequirements
public class SweepResource {

    private final Sweeper sweeper;
    private final Optional<byte[]> keyHash;
    private final boolean onLambda;

    SweepResource(Sweeper sweeper, GatewayConfig config) {
        this.sweeper = sweeper;
        this.keyHash = config.sweeper().key().filter(key -> !key.isBlank()).map(SweepResource::hash);
        this.onLambda = System.getenv("AWS_LAMBDA_FUNCTION_NAME") != null;
    }

    /**
     * On Lambda only the schedule reaches this route (API Gateway has no route for it). A plain-HTTP instance
     * answers anyone who can reach its port, so there the sweeper key is required.
     */
    @POST
    public Uni<Sweeper.SweepReport> sweep(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        if (!onLambda && !authorized(authorization)) {
            throw ProblemType.INVALID_API_KEY.with(keyHash.isEmpty()
                    ? "No sweeper key is configured (GATEWAY_SWEEPER_KEY); this instance sweeps by itself."
                    : "Send 'Authorization: Bearer <sweeper key>'.")
                    .withHeader("WWW-Authenticate", "Bearer realm=\"job-gateway-sweeper\"");
        }
        return sweeper.sweep();
    }

    private boolean authorized(String authorization) {
        if (keyHash.isEmpty() || authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(keyHash.get(), hash(authorization.substring(7).trim()));
    }

    /** Compared as hashes, so the comparison takes the same time whatever the length of what was sent. */
    private static byte[] hash(String key) {
        return Ids.sha256(key).getBytes(StandardCharsets.UTF_8);
    }
}
