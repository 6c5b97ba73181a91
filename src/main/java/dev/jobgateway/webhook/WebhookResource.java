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

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirements;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/**
 * Where AI servers report job changes (the webhook function). The body is taken raw, read within the provider's
 * limit as it arrives: verified, then parsed.
 */
@Path("/webhooks")
@Consumes(MediaType.WILDCARD)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "webhooks", description = "Where AI servers report job changes: authenticated by their signature or the "
        + "per-job token of the URL the gateway handed them, never by an API key")
@SecurityRequirements
@APIResponse(responseCode = "200", description = "Acted upon: applied, or ignored with why", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = WebhookOutcome.class)))
@APIResponse(responseCode = "202", description = "Kept until its job is known (a webhook that beat the submit "
        + "answer)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = WebhookOutcome.class)))
@APIResponse(responseCode = "400", ref = "BadRequest")
@APIResponse(responseCode = "401", ref = "Unauthorized")
@APIResponse(responseCode = "404", ref = "NotFound")
@APIResponse(responseCode = "413", ref = "TooLarge")
@APIResponse(responseCode = "422", ref = "Unprocessable")
@APIResponse(responseCode = "503", ref = "Unavailable")
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
    @Operation(operationId = "receiveWebhook", summary = "A provider's webhook for one job")
    @RequestBody(description = WEBHOOK_BODY, required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.OBJECT)))
    public Uni<Response> forJob(@PathParam("provider") String provider, @PathParam("jobId") String jobId,
            @QueryParam("token") String token, @Context HttpHeaders headers, @Context HttpServerRequest request) {
        return receive(provider, jobId, token, headers, request);
    }

    @POST
    @Path("/{provider}")
    @Operation(operationId = "receiveWebhookByExternalId", summary = "A provider's webhook, its job found by the "
            + "provider's id (AI servers configured with one fixed URL)")
    @RequestBody(description = WEBHOOK_BODY, required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.OBJECT)))
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
