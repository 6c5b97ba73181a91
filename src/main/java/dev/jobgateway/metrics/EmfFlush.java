package dev.jobgateway.metrics;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.ext.web.Router;

/**
 * Writes the EMF lines of an invocation as its answer goes out. On Lambda an instance serves one request at a time and
 * may be frozen as soon as the answer is out, so the lines are written just before the last bytes of the answer
 * (the body-end hook runs on the event loop, before the response completes): nothing waits for a network call, and
 * nothing is left behind in a frozen instance. What is recorded after that (rare: work that outlives its answer) goes
 * out with the next invocation.
 */
@ApplicationScoped
class EmfFlush {

    private final EmfWriter emf;
    private final DeliveryStats stats;

    EmfFlush(EmfWriter emf, DeliveryStats stats) {
        this.emf = emf;
        this.stats = stats;
    }

    void routes(@Observes Router router) {
        if (!emf.enabled()) {
            return;
        }
        router.route().order(Integer.MIN_VALUE).handler(context -> {
            context.addBodyEndHandler(done -> {
                emf.flush();
                // A Lambda instance's timer only runs while it is thawed: the delivery counts go out with the answer.
                stats.flush().subscribe().with(written -> {
                }, failure -> {
                });
            });
            context.next();
        });
    }
}
