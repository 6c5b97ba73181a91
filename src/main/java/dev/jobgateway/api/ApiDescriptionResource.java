package dev.jobgateway.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * The OpenAPI document, served as the static file it is: made from the annotations when the tests run
 * (OpenApiDocumentTest) and committed, so no instance builds it at start-up. Read on the first request, not at start,
 * so a cold start that is never asked for it pays nothing.
 */
@Path("/q/openapi")
class ApiDescriptionResource {

    static final String DOCUMENT = "openapi/openapi.json";

    private volatile byte[] document;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(hidden = true)
    public Response document() {
        return Response.ok(bytes()).header("Cache-Control", "public, max-age=300").build();
    }

    private byte[] bytes() {
        byte[] read = document;
        if (read == null) {
            try (InputStream in = ApiDescriptionResource.class.getClassLoader().getResourceAsStream(DOCUMENT)) {
                if (in == null) {
                    throw new IllegalStateException(DOCUMENT + " is missing from the build");
                }
                read = in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            document = read;
        }
        return read;
    }
}
