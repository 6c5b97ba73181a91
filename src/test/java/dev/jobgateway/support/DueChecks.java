package dev.jobgateway.support;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;

import dev.jobgateway.fallback.Reconciler;
import dev.jobgateway.job.JobRecords;
import dev.jobgateway.platform.GatewayClock;
import io.quarkus.arc.Arc;

/**
 * Waits, in a {@code @QuarkusTest}, until the gateway would check jobs with their AI server on the next read: what a
 * fallback test waits for instead of sleeping past the check-after interval. It asks {@link Reconciler#isDueNow}
 * over the stored job, which checks nothing, so the read the test makes next is still the one that checks.
 */
public final class DueChecks {

    private DueChecks() {
    }

    /** Returns once every one of the jobs is due for a check (at most 10 s). */
    public static void awaitDue(String... jobIds) {
        Reconciler reconciler = Arc.container().instance(Reconciler.class).get();
        JobRecords jobs = Arc.container().instance(JobRecords.class).get();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
            for (String id : jobIds) {
                boolean due = jobs.find(id).await().atMost(Duration.ofSeconds(5)).map(reconciler::isDueNow)
                        .orElse(false);
                if (!due) {
                    return false;
                }
            }
            return true;
        });
    }

    /**
     * Returns once the job's deadline has passed on the gateway's clock (at most 10 s; at once after a test moved the
     * clock past it): its next read makes the last check.
     */
    public static void awaitPastDeadline(String jobId) {
        JobRecords jobs = Arc.container().instance(JobRecords.class).get();
        GatewayClock clock = Arc.container().instance(GatewayClock.class).get();
        Instant deadline = jobs.find(jobId).await().atMost(Duration.ofSeconds(5)).orElseThrow().deadlineAt();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> !clock.now().isBefore(deadline));
    }
}
