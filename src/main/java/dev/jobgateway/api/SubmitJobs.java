package dev.jobgateway.api;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.fallback.LearnedChecks;
import dev.jobgateway.job.DurationHistory;
import dev.jobgateway.job.IdempotencyStore;
import dev.jobgateway.job.IdempotencyStore.Claim;
import dev.jobgateway.job.Job;
import dev.jobgateway.job.JobRecords;
import dev.jobgateway.job.NewJob;
import dev.jobgateway.job.Reports;
import dev.jobgateway.job.StoredJob;
import dev.jobgateway.job.Via;
import dev.jobgateway.metrics.Meters;
import dev.jobgateway.metrics.Meters.SubmitOutcome;
import dev.jobgateway.metrics.Meters.UpstreamOperation;
import dev.jobgateway.platform.ApiException;
import dev.jobgateway.platform.GatewayClock;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.platform.JobLogContext;
import dev.jobgateway.platform.ProblemType;
import dev.jobgateway.providers.Handoff;
import dev.jobgateway.providers.Order;
import dev.jobgateway.providers.PollCadence;
import dev.jobgateway.providers.Provider;
import dev.jobgateway.providers.ProviderRegistry;
import dev.jobgateway.providers.WebhookUrls;
import dev.jobgateway.webhook.WebhookTokens;
import io.smallrye.mutiny.Uni;

/**
 * Submits jobs on behalf of an owner: stores the job, hands it to the AI server, and with an
 * {@code Idempotency-Key} answers a repeated request with the job the first one created.
 */
@ApplicationScoped
public class SubmitJobs {

    private static final Logger LOG = Logger.getLogger(SubmitJobs.class);

    private final JobRecords jobs;
    private final Reports reports;
    private final IdempotencyStore idempotency;
    private final ProviderRegistry providers;
    private final OwnedJobs owned;
    private final CancelJobs cancels;
    private final Meters meters;
    private final String publicBaseUrl;
    private final Duration firstCheckAfter;
    private final DurationHistory durations;
    private final LearnedChecks learned;
    private final WebhookTokens webhookTokens;
    private final GatewayClock clock;

    SubmitJobs(JobRecords jobs, Reports reports, IdempotencyStore idempotency, ProviderRegistry providers,
            OwnedJobs owned, CancelJobs cancels, Meters meters, DurationHistory durations, WebhookTokens webhookTokens,
            GatewayConfig config, GatewayClock clock) {
        this.clock = clock;
        this.durations = durations;
        this.webhookTokens = webhookTokens;
        this.learned = LearnedChecks.from(config.fallback());
        this.meters = meters;
        this.jobs = jobs;
        this.reports = reports;
        this.idempotency = idempotency;
        this.providers = providers;
        this.owned = owned;
        this.cancels = cancels;
        this.publicBaseUrl = config.publicBaseUrl();
        this.firstCheckAfter = config.fallback().checkAfter();
    }

    /** A job for the default provider, with its default routing: see {@link #submit(String, Request, String)}. */
    public Uni<Submission> submit(String owner, JsonNode input, Duration maxDuration, String idempotencyKey) {
        Provider provider = providers.defaultProvider();
        return submit(owner, new Request(input, maxDuration, provider, provider.route(null)), idempotencyKey);
    }

    /**
     * What to submit: the job's input, its maximum duration, and the provider with the routing it accepted
     * ({@link Provider#route}).
     */
    public record Request(JsonNode input, Duration maxDuration, Provider provider, String model) {

        /** Two requests are the same request for an {@code Idempotency-Key} when all of this is equal. */
        String fingerprint() {
            return Ids.sha256(input.toString() + "\n" + maxDuration.toSeconds() + "\n" + provider.name() + "\n"
                    + (model == null ? "" : model));
        }
    }

    /**
     * Creates a job, or, with an {@code Idempotency-Key} this owner used before, answers with the job that key
     * created: the same request again gets that job (no second hand-off), a different request is 422, and a
     * request whose first submit is still running is 409.
     */
    public Uni<Submission> submit(String owner, Request request, String idempotencyKey) {
        String id = Ids.newJobId();
        JobLogContext.set(id);
        if (idempotencyKey == null) {
            return create(owner, id, request).map(job -> new Submission(job, false));
        }
        Claim claim = Claim.inFlight(request.fingerprint(), id, clock.now());
        return idempotency.claim(owner, idempotencyKey, claim).chain(existing -> existing.isEmpty()
                ? createClaimed(owner, idempotencyKey, claim, request)
                : answerEarlier(owner, idempotencyKey, existing.get(), claim, request));
    }

    private Uni<Submission> createClaimed(String owner, String key, Claim claim, Request request) {
        return create(owner, claim.jobId(), request)
                // The key names the job from the claim on; marking it done only saves later requests a read.
                .call(() -> idempotency.complete(owner, key, claim).onFailure().recoverWithNull())
                .map(job -> new Submission(job, false));
    }

    /**
     * A request with a key claimed before: the same request gets the job the key names once that job is handed off
     * or has ended, whether or not its submit got to mark the key done; until then 409. A claim whose job was never
     * stored is taken over after its lease.
     */
    private Uni<Submission> answerEarlier(String owner, String key, Claim earlier, Claim claim, Request request) {
        if (!earlier.fingerprint().equals(claim.fingerprint())) {
            return Uni.createFrom().failure(ProblemType.IDEMPOTENCY_KEY_REUSED.with(
                    "This Idempotency-Key was used with a different request body."));
        }
        return jobs.find(earlier.jobId()).chain(found -> {
            if (found.isPresent() && owner.equals(found.get().owner())) {
                StoredJob job = found.get();
                if (earlier.done() || job.externalId() != null || job.status().isTerminal()) {
                    meters.submitted(job.provider(), SubmitOutcome.IDEMPOTENT_REPLAY);
                    return Uni.createFrom().item(new Submission(jobs.view(job), true));
                }
                return Uni.createFrom().failure(inFlight());
            }
            if (earlier.done() || !idempotency.isStale(earlier, clock.now())) {
                return Uni.createFrom().failure(inFlight());
            }
            return idempotency.takeOver(owner, key, earlier, claim).chain(taken -> taken
                    ? createClaimed(owner, key, claim, request)
                    : Uni.createFrom().failure(inFlight()));
        });
    }

    private static ApiException inFlight() {
        return ProblemType.IDEMPOTENCY_KEY_IN_FLIGHT.with(
                "A request with this Idempotency-Key is still being processed; retry shortly.");
    }

    /**
     * Stores the job first, so a webhook that beats the AI server's answer finds it, then hands it to the AI
     * server. A job that could not be stored is never handed off. A failed
     * hand-off fails the job ({@code error.source: submit}); it is still a created job (202).
     */
    private Uni<Job> create(String owner, String id, Request request) {
        Provider provider = request.provider();
        // A poll-only provider's jobs are polled at its cadence whatever their history: none is kept for them.
        Uni<Optional<Duration>> expected = provider.pollOnly().isPresent() ? Uni.createFrom().item(Optional.empty())
                : durations.expected(owner, provider.name(), request.model());
        return expected.chain(took -> create(owner, id, request, took.orElse(null)));
    }

    private Uni<Job> create(String owner, String id, Request request, Duration expectedToTake) {
        return webhookTokens.forJob(id).chain(token -> create(owner, id, request, expectedToTake, token));
    }

    private Uni<Job> create(String owner, String id, Request request, Duration expectedToTake, String token) {
        Instant now = clock.now();
        Instant deadline = now.plus(request.maxDuration());
        Provider provider = request.provider();
        Instant expectedAt = expectedToTake == null ? null : now.plus(expectedToTake);
        NewJob job = new NewJob(id, owner, provider.name(), request.input().toString(), now, deadline,
                Ids.sha256(token), request.model(), expectedAt);
        // A poll-only provider's job is first polled by the sweeper at its idle cadence, unless a read polls it sooner;
        // a job with an expected end is first checked just after it, if that comes before check-after.
        Duration firstAfter = provider.pollOnly().map(PollCadence::idle).orElse(firstCheckAfter);
        Instant firstCheck = now.plus(firstAfter);
        if (expectedAt != null && learned.first(expectedAt).isBefore(firstCheck)) {
            firstCheck = learned.first(expectedAt);
        }
        firstCheck = firstCheck.isBefore(deadline) ? firstCheck : deadline;
        Order order = new Order(id, request.input(), request.model(),
                WebhookUrls.of(provider, publicBaseUrl, id, token),
                deadline);
        long[] handingOff = new long[1];
        return jobs.create(job, firstCheck)
                .invoke(() -> handingOff[0] = System.nanoTime())
                .chain(() -> provider.submit(order))
                .invoke(handoff -> {
                    meters.upstream(provider.name(), UpstreamOperation.SUBMIT, statusClass(handoff),
                            System.nanoTime() - handingOff[0]);
                    meters.submitted(provider.name(), handoff.accepted() ? SubmitOutcome.HANDED_OFF
                            : SubmitOutcome.HANDOFF_FAILED);
                })
                .chain(handoff -> recordHandoff(id, provider, handoff).chain(() -> owned.find(owner, id))
                        .call(stored -> cancelIfCancelledMeanwhile(stored, handoff)))
                .map(jobs::view);
    }

    private Uni<?> recordHandoff(String id, Provider provider, Handoff handoff) {
        ObjectNode event = jobs.event()
                .put("attempts", handoff.attempts())
                .put("latency_ms", handoff.latencyMs());
        if (handoff.accepted()) {
            event.put("external_id", handoff.externalId());
            LOG.infof("Job %s handed to %s as %s (%d attempt(s), %d ms)", id, provider.name(), handoff.externalId(),
                    handoff.attempts(), handoff.latencyMs());
            return reports.handedOff(id, provider.name(), handoff.externalId(), handoff.handle(), event);
        }
        event.put("error_code", handoff.errorCode()).put("error", handoff.errorMessage());
        return jobs.failHandoff(id, new Job.JobError("submit", handoff.errorCode(), handoff.errorMessage()), event);
    }

    /**
     * A cancel that came while the job was being handed off could not reach the AI server (it had no id yet):
     * send it now. Recording its outcome changes no state, so the job just read stays the answer.
     */
    private Uni<?> cancelIfCancelledMeanwhile(StoredJob job, Handoff handoff) {
        boolean cancelled = Via.CANCEL.wireName().equals(job.completedVia());
        return handoff.accepted() && cancelled ? cancels.propagate(job) : Uni.createFrom().voidItem();
    }

    /** The upstream meter's status class of a hand-off (its last attempt), from the hand-off's error code. */
    private static String statusClass(Handoff handoff) {
        if (handoff.accepted()) {
            return "2xx";
        }
        return switch (String.valueOf(handoff.errorCode())) {
            case "ai_server_unreachable" -> "unreachable";
            case "ai_server_rejected" -> "4xx";
            case "ai_server_error" -> "5xx";
            default -> "invalid";
        };
    }
}
