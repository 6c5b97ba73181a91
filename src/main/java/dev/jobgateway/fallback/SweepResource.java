package dev.jobgateway.fallback;

import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import io.smallrye.mutiny.Uni;

/**
 * The sweeper's trigger. On Lambda a schedule invokes it with an HTTP-API-shaped event; the route is not
 * published on the API. A plain-HTTP instance also sweeps by itself ({@link SweepSchedule}). Calling it more
 * often is harmless: the per-job check lease bounds what it can make the gateway do.
 */
@Path("/internal/sweep")
@Produces(MediaType.APPLICATION_JSON)
public class SweepResource {

    private final Sweeper sweeper;

    SweepResource(Sweeper sweeper) {
        this.sweeper = sweeper;
    }

    @POST
    public Uni<Sweeper.SweepReport> sweep() {
        return sweeper.sweep();
    }
}
