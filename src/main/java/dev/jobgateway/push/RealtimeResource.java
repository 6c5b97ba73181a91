package dev.jobgateway.push;

import java.util.Optional;

import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirements;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.platform.Ids;

/**
 * Discovery: where a browser subscribes to job changes ({@code GET /realtime}, docs/push.md), so no client carries
 * the endpoint in its own configuration: AppSync's domains when configured, else the gateway's own endpoint (plain-HTTP
 * build), else {@code enabled: false} (clients keep long-polling). Also {@code POST /event}, the HTTP publish of the
 * protocol: refused, as only the gateway publishes.
 */
@Path("/")
@Tag(name = "realtime", description = "Where browsers subscribe to job changes (push)")
public class RealtimeResource {

    static final String PROTOCOL = "aws-appsync-event-ws";

    private final PushConfig config;
    private final boolean local;
    private final ObjectMapper json;

    RealtimeResource(PushConfig config, Instance<LocalRealtime> local, ObjectMapper json) {
        this.config = config;
        this.local = local.isResolvable();
        this.json = json;
    }

    @GET
    @Path("realtime")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(operationId = "discoverRealtime", summary = "Where to subscribe to job changes (no credentials needed)")
    @SecurityRequirements
    @APIResponse(responseCode = "200", description = "The realtime endpoint, or enabled: false", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "RealtimeDiscovery")))
    public Response discover(@QueryParam("job") String job, @Context HttpHeaders headers, @Context UriInfo uri) {
        ObjectNode answer = json.createObjectNode();
        Optional<String> realtimeDomain = config.appsync().realtimeDomain().filter(value -> !value.isBlank());
        Optional<String> httpDomain = config.appsync().httpDomain().filter(value -> !value.isBlank());
        if (!config.enabled() || (realtimeDomain.isEmpty() && !local)) {
            answer.put("enabled", false);
            return cached(answer);
        }
        answer.put("enabled", true).put("protocol", PROTOCOL);
        if (realtimeDomain.isPresent() && httpDomain.isPresent()) {
            answer.put("mode", "appsync")
                    .put("http_endpoint", "https://" + httpDomain.get() + "/event")
                    .put("realtime_url", "wss://" + realtimeDomain.get() + LocalRealtime.PATH);
        } else {
            // The authority the request came to (Host, or HTTP/2's :authority); the scheme a TLS proxy saw, if any.
            String host = uri.getRequestUri().getRawAuthority();
            String proto = headers.getHeaderString("X-Forwarded-Proto");
            boolean secure = proto == null ? "https".equals(uri.getRequestUri().getScheme())
                    : "https".equalsIgnoreCase(proto);
            answer.put("mode", "local")
                    .put("http_endpoint", (secure ? "https://" : "http://") + host + "/event")
                    .put("realtime_url", (secure ? "wss://" : "ws://") + host + LocalRealtime.PATH);
        }
        answer.put("namespace", config.namespace())
                .put("channel_prefix", "/" + config.namespace() + "/")
                .put("channel_rule", "job + the id after job_, '-' as -0, '_' as -1")
                .put("auth_mode", "lambda");
        if (job != null && Ids.isJobId(job)) {
            answer.put("channel", JobChannel.channel(config.namespace(), job));
        }
        return cached(answer);
    }

    /** The protocol's HTTP publish: browsers never publish (AppSync's error shape, as its HTTP API answers). */
    @POST
    @Path("event")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(hidden = true) // AppSync's protocol, not this API: its errors are AppSync's, not problem details
    public Response publish() {
        ObjectNode answer = json.createObjectNode();
        answer.putArray("errors").addObject().put("errorType", "UnauthorizedException")
                .put("message", "Only the gateway publishes to job channels");
        return Response.status(Response.Status.UNAUTHORIZED).entity(answer).build();
    }

    private static Response cached(ObjectNode answer) {
        CacheControl cache = new CacheControl();
        cache.setMaxAge(300);
        return Response.ok(answer).cacheControl(cache).build();
    }
}
