package dev.jobgateway.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import dev.jobgateway.platform.GatewayClock;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Property: whatever order webhooks arrive in, however often each is redelivered, a job ends in the first
 * terminal state it received, its version only ever goes up by one per applied change, its status and progress
 * never go back, and every redelivery is ignored as a duplicate. Random delivery orders (seeded, so a failure
 * replays) go straight through the store's transition script, many jobs at a time.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class DeliveryOrderPropertyTest {

    private static final Logger LOG = Logger.getLogger(DeliveryOrderPropertyTest.class);
    private static final long SEED = 20260101L;
    private static final int JOBS = 1_000;
    private static final List<JobStatus> TERMINAL = List.of(JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED);

    @Inject
    JobStore store;

    @Inject
    JobJson json;

    /** One webhook as the AI server sent it (redeliveries reuse its id). */
    record Hook(String webhookId, JobStatus status, Double progress, int index) {
    }

    /** A job and the order in which its webhooks (and their redeliveries) reach the gateway. */
    record Scenario(String jobId, List<Hook> deliveries) {
    }

    @Test
    void firstTerminalStateWinsAndNothingRegressesInAnyDeliveryOrder() {
        Random random = new Random(SEED);
        List<Scenario> scenarios = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            scenarios.add(scenario(random, i));
        }
        int deliveries = scenarios.stream().mapToInt(s -> s.deliveries().size()).sum();

        // Sixteen jobs at a time (each job's own deliveries strictly in order); results come back in any order.
        Map<String, List<TransitionResult>> results = Multi.createFrom().iterable(scenarios)
                .onItem().transformToUni(this::deliver).merge(16)
                .collect().asMap(Delivered::jobId, Delivered::results)
                .await().atMost(Duration.ofMinutes(2));

        assertThat(results).hasSize(JOBS);
        for (Scenario scenario : scenarios) {
            check(scenario, results.get(scenario.jobId()));
        }
        assertThat(deliveries).isGreaterThan(JOBS * 5);
        LOG.infof("Delivery-order property held for %d jobs, %d deliveries (seed %d)", JOBS, deliveries, SEED);
    }

    /** What the state machine answered to each of a job's deliveries, in delivery order. */
    record Delivered(String jobId, List<TransitionResult> results) {
    }

    /** Creates the job, then delivers its webhooks one after another, in the scenario's order. */
    private Uni<Delivered> deliver(Scenario scenario) {
        var now = GatewayClock.system().now();
        Uni<List<TransitionResult>> chain = store.create(new NewJob(scenario.jobId(), "property", "generic", "{}", now,
                now.plusSeconds(300), "hash"), now.plusSeconds(300)).replaceWith(new ArrayList<>());
        for (Hook hook : scenario.deliveries()) {
            chain = chain.chain(done -> store.transition(scenario.jobId(), transition(hook)).map(result -> {
                done.add(result);
                return done;
            }));
        }
        return chain.map(done -> new Delivered(scenario.jobId(), done));
    }

    private void check(Scenario scenario, List<TransitionResult> results) {
        String id = scenario.jobId();
        // The model: the Java table (JobStatus.accepts) plus webhook-id dedupe, in delivery order.
        JobStatus status = JobStatus.QUEUED;
        Double progress = null;
        long version = 1;
        Set<String> seen = new HashSet<>();
        Hook firstTerminal = null;
        for (int i = 0; i < scenario.deliveries().size(); i++) {
            Hook hook = scenario.deliveries().get(i);
            boolean duplicate = !seen.add(hook.webhookId());
            boolean advances = hook.progress() != null && (progress == null || hook.progress() > progress);
            boolean applies = !duplicate && status.accepts(hook.status(), advances);
            TransitionResult result = results.get(i);
            assertThat(result.applied()).as("job %s delivery %d (%s)", id, i, hook).isEqualTo(applies);
            if (duplicate) {
                assertThat(result.reason()).isEqualTo("duplicate webhook-id");
            }
            if (applies) {
                status = hook.status();
                version++;
                if (hook.progress() != null) {
                    progress = hook.progress();
                }
                if (status.isTerminal()) {
                    firstTerminal = hook;
                }
            }
            assertThat(result.version()).isEqualTo(version);
        }
        Hook expectedTerminal = scenario.deliveries().stream().filter(h -> h.status().isTerminal()).findFirst()
                .orElse(null);
        assertThat(firstTerminal).as("job %s: first terminal received wins", id).isEqualTo(expectedTerminal);

        StoredJob stored = store.find(id).await().atMost(Duration.ofSeconds(5)).orElseThrow();
        assertThat(stored.status()).isEqualTo(status);
        assertThat(stored.version()).isEqualTo(version);
        if (expectedTerminal != null) {
            assertThat(stored.status()).isEqualTo(expectedTerminal.status());
            if (expectedTerminal.status() == JobStatus.SUCCEEDED) {
                assertThat(json.tree(stored.text(StoredJob.OUTPUT)).get("from").asInt())
                        .isEqualTo(expectedTerminal.index());
            }
        }

        // The timeline tells the same story: one entry per delivery, applied versions 2, 3, ... without gaps,
        // status rank and progress never going back.
        List<TimelineEntry> timeline = store.timeline(id, null, 1000).await().atMost(Duration.ofSeconds(5));
        assertThat(timeline).hasSize(1 + scenario.deliveries().size());
        long lastVersion = 1;
        int lastRank = 0;
        double lastProgress = -1;
        for (TimelineEntry entry : timeline.subList(1, timeline.size())) {
            if (entry.outcome().equals("applied")) {
                assertThat(entry.version()).isEqualTo(lastVersion + 1);
                JobStatus to = JobStatus.fromWire(entry.details().get("status").asText()).orElseThrow();
                assertThat(rank(to)).isGreaterThanOrEqualTo(lastRank);
                lastRank = rank(to);
                if (entry.details().has("progress")) {
                    assertThat(entry.details().get("progress").asDouble()).isGreaterThan(lastProgress);
                    lastProgress = entry.details().get("progress").asDouble();
                }
                lastVersion = entry.version();
            } else {
                assertThat(entry.outcome()).isEqualTo("ignored");
                assertThat(entry.version()).isEqualTo(lastVersion);
                assertThat(entry.reason()).isNotBlank();
            }
        }
    }

    /**
     * A job's webhooks: a few progress updates, one terminal state and sometimes a second, conflicting one (a
     * confused or replaying sender), each delivered one to three times, all shuffled.
     */
    private static Scenario scenario(Random random, int n) {
        List<Hook> sent = new ArrayList<>();
        int steps = random.nextInt(5);
        for (int s = 1; s <= steps; s++) {
            sent.add(new Hook("msg_" + n + "_p" + s, JobStatus.RUNNING, s / (double) (steps + 1), sent.size()));
        }
        if (random.nextInt(10) > 0) {
            sent.add(new Hook("msg_" + n + "_t1", TERMINAL.get(random.nextInt(3)), null, sent.size()));
            if (random.nextInt(3) == 0) {
                sent.add(new Hook("msg_" + n + "_t2", TERMINAL.get(random.nextInt(3)), null, sent.size()));
            }
        }
        if (random.nextInt(4) == 0) {
            sent.add(new Hook("msg_" + n + "_q", JobStatus.QUEUED, null, sent.size()));
        }
        List<Hook> deliveries = new ArrayList<>();
        for (Hook hook : sent) {
            int copies = 1 + random.nextInt(3);
            for (int c = 0; c < copies; c++) {
                deliveries.add(hook);
            }
        }
        Collections.shuffle(deliveries, random);
        return new Scenario(Ids.newJobId(), deliveries);
    }

    private Transition transition(Hook hook) {
        var event = json.object().put("webhook_id", hook.webhookId()).put("status", hook.status().wireName());
        if (hook.progress() != null) {
            event.put("progress", hook.progress());
        }
        String output = hook.status() == JobStatus.SUCCEEDED ? "{\"from\":" + hook.index() + "}" : null;
        Job.JobError error = hook.status() == JobStatus.FAILED
                ? new Job.JobError(Job.ErrorSource.AI_SERVER, "x", "failed")
                : null;
        return Transition.webhook(Report.of(hook.status(), hook.status().wireName(), hook.progress(), output, null),
                error, event, hook.webhookId());
    }

    private static int rank(JobStatus status) {
        return status == JobStatus.QUEUED ? 0 : status == JobStatus.RUNNING ? 1 : 2;
    }
}
