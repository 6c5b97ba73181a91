package bench.bare;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** The one resource: a small JSON answer, written by Jackson as the gateway's answers are. */
@Path("/hello")
public class Hello {

    public record Greeting(String message, long at) {
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Greeting hello() {
        return new Greeting("hello", System.currentTimeMillis());
    }
}
