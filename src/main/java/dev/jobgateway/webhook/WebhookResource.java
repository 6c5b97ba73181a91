package dev.jobgateway.webhook;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import io.smallrye.mutiny.Uni;

/** Where AI servers report job changes (the webhook function). The body is taken raw: verified, then parsed. */
@Path("/webhooks")
@Consumes(MediaType.WILDCARD)
@Produces(MediaType.APPLICATION_JSON)
class WebhookResource {

    private final WebhookService webhooks;

    WebhookResource(WebhookService webhooks) {
        this.webhooks = webhooks;
    }

    @POST
    @Path("/{provider}/{jobId}")
    public Uni<WebhookOutcome> forJob(@PathParam("provider") String provider, @PathParam("jobId") String jobId,
            @QueryParam("token") String token, @Context HttpHeaders headers, byte[] body) {
        return webhooks.receive(provider, jobId, token, headers, body);
    }

    @POST
    @Path("/{provider}")
    public Uni<WebhookOutcome> byExternalId(@PathParam("provider") String provider, @QueryParam("token") String token,
            @Context HttpHeaders headers, byte[] body) {
        return webhooks.receive(provider, null, token, headers, body);
    }
}
