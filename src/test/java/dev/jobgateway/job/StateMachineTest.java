package dev.jobgateway.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.platform.GatewayClock;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The Lua state machine against real Redis, held to the Java table in {@link JobStatus}. */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class StateMachineTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @Inject
    JobStore store;

    @Inject
    JobJson json;

    @Test
    void everyTransitionPairIsDecidedAsTheJavaTableSays() {
        int checked = 0;
        for (JobStatus from : JobStatus.values()) {
            for (JobStatus to : JobStatus.values()) {
                for (boolean withProgress : new boolean[] { false, true }) {
                    String id = jobIn(from);
                    long before = store.find(id).await().atMost(WAIT).orElseThrow().version();

                    TransitionResult result = apply(id, to, withProgress ? 0.9 : null);

                    boolean expected = from.accepts(to, withProgress);
                    assertThat(result.applied()).as("%s -> %s (progress %s)", from, to, withProgress)
                            .isEqualTo(expected);
                    StoredJob after = store.find(id).await().atMost(WAIT).orElseThrow();
                    assertThat(after.status()).isEqualTo(expected ? to : from);
                    assertThat(after.version()).isEqualTo(expected ? before + 1 : before);
                    if (!expected) {
                        assertThat(result.reason()).isNotBlank();
                    }
                    checked++;
                }
            }
        }
        assertThat(checked).isEqualTo(50);
    }

    @Test
    void staleProgressIsIgnoredAndForwardProgressApplied() {
        String id = jobIn(JobStatus.RUNNING);
        assertThat(apply(id, JobStatus.RUNNING, 0.5).applied()).isTrue();
        TransitionResult stale = apply(id, JobStatus.RUNNING, 0.3);
        assertThat(stale.applied()).isFalse();
        assertThat(stale.reason()).startsWith("stale progress");
        assertThat(apply(id, JobStatus.RUNNING, 0.7).applied()).isTrue();
    }

    @Test
    void ignoredChangesAreInTheTimelineWithWhy() {
        String id = jobIn(JobStatus.SUCCEEDED);
        apply(id, JobStatus.RUNNING, null);

        TimelineEntry last = lastEntry(id);
        assertThat(last.outcome()).isEqualTo("ignored");
        assertThat(last.reason()).isEqualTo("job already succeeded");
    }

    @Test
    void fiftyConcurrentWritersLeaveExactlyOneTerminalStateAndAConsistentTimeline() throws Exception {
        String id = jobIn(JobStatus.QUEUED);
        List<JobStatus> targets = List.of(JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.FAILED,
                JobStatus.CANCELLED, JobStatus.QUEUED);
        ExecutorService pool = Executors.newFixedThreadPool(50);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<TransitionResult>> results = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                JobStatus target = targets.get(i % targets.size());
                Double progress = target == JobStatus.RUNNING ? (i + 1) / 100.0 : null;
                results.add(pool.submit(() -> {
                    start.await();
                    return apply(id, target, progress);
                }));
            }
            start.countDown();
            List<TransitionResult> done = new ArrayList<>();
            for (Future<TransitionResult> result : results) {
                done.add(result.get(10, TimeUnit.SECONDS));
            }

            List<TransitionResult> terminalApplied = done.stream()
                    .filter(r -> r.applied() && r.status().isTerminal()).toList();
            assertThat(terminalApplied).hasSize(1);
            long appliedCount = done.stream().filter(TransitionResult::applied).count();
            StoredJob job = store.find(id).await().atMost(WAIT).orElseThrow();
            assertThat(job.status()).isEqualTo(terminalApplied.get(0).status());
            assertThat(job.version()).isEqualTo(1 + appliedCount);

            List<TimelineEntry> timeline = store.timeline(id, null, 1000).await().atMost(WAIT);
            assertThat(timeline).hasSize(51);
            List<Long> appliedVersions = timeline.stream().filter(e -> e.outcome().equals("applied"))
                    .map(TimelineEntry::version).toList();
            assertThat(appliedVersions).isSorted().doesNotHaveDuplicates().hasSize((int) appliedCount + 1);
            assertThat(appliedVersions.get(appliedVersions.size() - 1)).isEqualTo(job.version());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void changesToUnknownJobsReportMissingAndCreateNothing() {
        String id = Ids.newJobId();
        assertThat(apply(id, JobStatus.SUCCEEDED, null).outcome()).isEqualTo(TransitionResult.Outcome.MISSING);
        assertThat(store.find(id).await().atMost(WAIT)).isEmpty();
        assertThat(store.timeline(id, null, 1000).await().atMost(WAIT)).isEmpty();
    }

    private String jobIn(JobStatus status) {
        String id = Ids.newJobId();
        var now = GatewayClock.system().now();
        store.create(new NewJob(id, "tester", "generic", "{}", now, now.plusSeconds(300), "hash"), now.plusSeconds(300))
                .await().atMost(WAIT);
        if (status == JobStatus.RUNNING) {
            assertThat(apply(id, JobStatus.RUNNING, 0.1).applied()).isTrue();
        } else if (status.isTerminal()) {
            assertThat(apply(id, status, null).applied()).isTrue();
        }
        return id;
    }

    private TransitionResult apply(String id, JobStatus target, Double progress) {
        ObjectNode event = json.object().put("test", true);
        Job.JobError error = target == JobStatus.FAILED ? new Job.JobError(Job.ErrorSource.AI_SERVER, "test", "boom")
                : null;
        return store.transition(id,
                Transition.webhook(Report.of(target, target.wireName(), progress, null, null), error, event, null))
                .await().atMost(WAIT);
    }

    private TimelineEntry lastEntry(String id) {
        List<TimelineEntry> timeline = store.timeline(id, null, 1000).await().atMost(WAIT);
        return timeline.get(timeline.size() - 1);
    }
}
