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
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/**
 * Where AI servers report job changes (the webhook function). The body is taken raw, read within the provider's
 * limit as it arrives: verified, then parsed.
 */
@Path("/webhooks")
@Consumes(MediaType.WILDCARD)
@Produces(MediaType.APPLICATION_JSON)
class WebhookResource {

    /** The request body as OpenAPI shows it: read here, not by a parameter (see {@link #receive}). */
    private static final String WEBHOOK_BODY = "The provider's webhook as it sends it, taken raw within the provider's "
            + "size limit (413 beyond it), authenticated, then parsed";

    private final WebhookService webhooks;

    WebhookResource(WebhookService webhooks) {
        this.webhooks = webhooks;
    }

    @POST
    @Path("/{provider}/{jobId}")
    @RequestBody(description = WEBHOOK_BODY, content = @Content(mediaType = MediaType.APPLICATION_JSON))
    public Uni<Response> forJob(@PathParam("provider") String provider, @PathParam("jobId") String jobId,
            @QueryParam("token") String token, @Context HttpHeaders headers, @Context HttpServerRequest request) {
        return receive(provider, jobId, token, headers, request);
    }

    @POST
    @Path("/{provider}")
    @RequestBody(description = WEBHOOK_BODY, content = @Content(mediaType = MediaType.APPLICATION_JSON))
    public Uni<Response> byExternalId(@PathParam("provider") String provider, @QueryParam("token") String token,
            @Context HttpHeaders headers, @Context HttpServerRequest request) {
        return receive(provider, null, token, headers, request);
    }

    /**
     * No body parameter: the body is read here, within the provider's limit ({@link WebhookBody}); a webhook answered
     * before its body was read (unknown provider) lets the rest flow into nothing.
     */
    private Uni<Response> receive(String provider, String jobId, String token, HttpHeaders headers,
            HttpServerRequest request) {
        return webhooks.receive(provider, jobId, token, headers, (limit, tooLarge) -> WebhookBody.read(request,
                limit, tooLarge))
                .onFailure().invoke(() -> WebhookBody.discardRest(request))
                .map(WebhookResource::respond);
    }

    /** 200 for a webhook acted upon (applied or ignored), 202 for one kept until its job is known. */
    private static Response respond(WebhookOutcome outcome) {
        return Response.status(outcome.isParked() ? Response.Status.ACCEPTED : Response.Status.OK)
                .entity(outcome).build();
    }
}
