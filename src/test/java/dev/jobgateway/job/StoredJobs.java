package dev.jobgateway.job;

import java.time.Duration;

import dev.jobgateway.platform.Ids;
import dev.jobgateway.platform.Timestamps;

/** Jobs written straight into the store, for tests about reading and waiting rather than submitting. */
final class StoredJobs {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private StoredJobs() {
    }

    /** A queued job of {@code owner} with a 300 s deadline, never handed to an AI server. */
    static String queued(JobStore store, String owner) {
        String id = Ids.newJobId();
        var now = Timestamps.now();
        store.create(new NewJob(id, owner, "generic", "{}", now, now.plusSeconds(300), "hash"), now.plusSeconds(300))
                .await().atMost(WAIT);
        return id;
    }

    /** Applies a signed-webhook-like {@code succeeded}; returns what the state machine did. */
    static TransitionResult succeed(JobStore store, JobJson json, String id) {
        return store.transition(id, new Transition(JobStatus.SUCCEEDED, null, "{\"images\":[]}", null, Via.WEBHOOK,
                "webhook_received", json.object(), null)).await().atMost(WAIT);
    }
}
