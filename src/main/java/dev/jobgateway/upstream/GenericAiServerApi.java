package dev.jobgateway.upstream;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import io.smallrye.mutiny.Uni;

/** Transport for the generic AI-server protocol; {@link GenericAiServer} adds retries and error mapping. */
@Path("/jobs")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
interface GenericAiServerApi {

    /** {@code Idempotency-Key} is the gateway's job id: a retried submit names the same job as the first. */
    @POST
    Uni<UpstreamJob> submit(@HeaderParam("Idempotency-Key") String jobId, UpstreamSubmit request);

    @GET
    @Path("/{id}")
    Uni<UpstreamJob> status(@PathParam("id") String externalId);

    @POST
    @Path("/{id}/cancel")
    Uni<jakarta.ws.rs.core.Response> cancel(@PathParam("id") String externalId);
}
