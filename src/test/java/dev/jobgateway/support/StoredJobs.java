package dev.jobgateway.support;

import java.time.Duration;

import dev.jobgateway.job.Arrival;
import dev.jobgateway.job.JobRecords;
import dev.jobgateway.job.NewJob;
import dev.jobgateway.job.Report;
import dev.jobgateway.job.Reports;
import dev.jobgateway.job.TransitionResult;
import dev.jobgateway.platform.GatewayClock;
import dev.jobgateway.platform.Ids;

/** Jobs written straight into the store, for tests about reading and waiting rather than submitting. */
public final class StoredJobs {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private StoredJobs() {
    }

    /** A queued job of {@code owner} with a 300 s deadline, never handed to an AI server. */
    public static String queued(JobRecords jobs, String owner) {
        String id = Ids.newJobId();
        var now = GatewayClock.system().now();
        jobs.create(new NewJob(id, owner, "generic", "{}", now, now.plusSeconds(300), "hash"), now.plusSeconds(300))
                .await().atMost(WAIT);
        return id;
    }

    /** Applies a signed-webhook-like {@code running} with this progress; returns what the state machine did. */
    public static TransitionResult progress(Reports reports, String id, double progress) {
        return reports.apply(id, Report.running("running", progress),
                new Arrival.Webhook(null, null, Arrival.Authentication.SIGNATURE, null)).await().atMost(WAIT);
    }

    /** Applies a signed-webhook-like {@code succeeded}; returns what the state machine did. */
    public static TransitionResult succeed(Reports reports, String id) {
        return reports.apply(id, Report.succeeded("succeeded", "{\"images\":[]}"),
                new Arrival.Webhook(null, null, Arrival.Authentication.SIGNATURE, null)).await().atMost(WAIT);
    }
}
