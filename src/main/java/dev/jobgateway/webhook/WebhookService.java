package dev.jobgateway.webhook;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.logging.Logger;

import dev.jobgateway.job.Arrival;
import dev.jobgateway.job.JobRecords;
import dev.jobgateway.job.Report;
import dev.jobgateway.job.Reports;
import dev.jobgateway.job.StoredJob;
import dev.jobgateway.job.TransitionResult;
import dev.jobgateway.job.WebhookGuard;
import dev.jobgateway.metrics.Meters;
import dev.jobgateway.metrics.Meters.WebhookResult;
import dev.jobgateway.platform.ApiException;
import dev.jobgateway.platform.GatewayClock;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.platform.ProblemType;
import dev.jobgateway.platform.RejectionLog;
import dev.jobgateway.providers.InboundWebhook;
import dev.jobgateway.providers.ProviderCallException;
import dev.jobgateway.providers.ProviderJob;
import dev.jobgateway.providers.ProviderRegistry;
import dev.jobgateway.providers.WebhookReceiver;
import dev.jobgateway.providers.WebhookRejections;
import dev.jobgateway.providers.WebhookRequest;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;

/**
 * Takes a webhook to {@code /webhooks/{provider}[/{jobId}]}: the named provider authenticates it with its own scheme
 * (before anything is parsed) and reads it as a {@link dev.jobgateway.job.Report}, which goes to {@link Reports}.
 * Nothing about a webhook that fails authentication reaches Redis: a signature is checked here, and so is a signed
 * per-job token ({@link WebhookTokens}), before anything is parsed or asked (an instance's first token webhook may
 * read the shared token key once, a key that names no job). A token webhook for a job that does not exist gets the
 * answer of a wrong token. What is provider-neutral happens here: the body's limit, the job id's shape,
 * the
 * per-job token check, that the webhook names the job of the URL.
 */
@Startup
@ApplicationScoped
public class WebhookService {

    private static final Logger LOG = Logger.getLogger(WebhookService.class);
    /** RunPod retries a webhook 10 s later; asking sooner would find the same outage. */
    private static final String CONFIRM_RETRY_AFTER_SECONDS = "10";

    private final JobRecords jobs;
    private final Reports reports;
    private final ProviderRegistry providers;
    private final Meters meters;
    private final WebhookTokens tokens;
    private final int maxBodyBytes;
    private final GatewayClock clock;

    WebhookService(JobRecords jobs, Reports reports, ProviderRegistry providers, Meters meters, WebhookTokens tokens,
            GatewayConfig config, GatewayClock clock) {
        this.clock = clock;
        this.jobs = jobs;
        this.reports = reports;
        this.providers = providers;
        this.meters = meters;
        this.tokens = tokens;
        this.maxBodyBytes = config.limits().maxBodyBytes();
    }

    /** Reads a webhook's body up to a limit, failing with the given problem once it is passed. */
    @FunctionalInterface
    public interface BodyReader {
        Uni<byte[]> read(int limit, Supplier<ApiException> tooLarge);
    }

    /**
     * A webhook to {@code /webhooks/{provider}/{pathJobId}}, or to {@code /webhooks/{provider}} (null job id), whose
     * body {@code body} reads, within the provider's limit, once the provider is known.
     */
    public Uni<WebhookOutcome> receive(String providerName, String pathJobId, String token, HttpHeaders headers,
            BodyReader body) {
        WebhookReceiver provider;
        try {
            provider = providers.forWebhook(providerName);
        } catch (ApiException unknown) {
            return fail(unknown); // not counted: the provider tag would be whatever the caller put in the URL
        }
        String name = provider.name();
        int limit = provider.maxWebhookBodyBytes(maxBodyBytes);
        Long[] lagMs = new Long[1];
        return body.read(limit, () -> ProblemType.BODY_TOO_LARGE.with("Webhook bodies for " + name
                + " are limited to " + limit + " bytes."))
                .chain(bytes -> receive(provider, pathJobId, token, headers, bytes, lagMs))
                .invoke(outcome -> meters.webhook(name, result(outcome), lagMs[0]))
                .onFailure(ApiException.class).invoke(e -> {
                    WebhookResult result = result((ApiException) e);
                    if (result != null) {
                        meters.webhook(name, result, null);
                    }
                });
    }

    /** {@code lagMs} receives the delivery lag once the webhook is authenticated. */
    private Uni<WebhookOutcome> receive(WebhookReceiver provider, String pathJobId, String token, HttpHeaders headers,
            byte[] body, Long[] lagMs) {
        if (pathJobId != null && !Ids.isJobId(pathJobId)) {
            return fail(ApiException.jobNotFound(pathJobId));
        }
        WebhookRequest request = new WebhookRequest(pathJobId, token, headers::getHeaderString, body,
                clock.now());
        return provider.authenticate(request).chain(arrival -> {
            lagMs[0] = arrival.deliveryLagMs();
            if (!isByToken(arrival)) {
                return read(provider, pathJobId, token, request, arrival);
            }
            // Refused here, before the body is parsed or Redis is asked about the job, job or no job.
            return tokens.mayBelongTo(pathJobId, token).chain(mayBelong -> mayBelong
                    ? read(provider, pathJobId, token, request, arrival)
                    : fail(tokenRefused(provider)));
        });
    }

    private Uni<WebhookOutcome> read(WebhookReceiver provider, String pathJobId, String token, WebhookRequest request,
            Arrival.Webhook arrival) {
        InboundWebhook webhook = provider.read(request);
        if (!webhook.report().hasValidProgress()) {
            return fail(ProblemType.INVALID_PROGRESS.with("progress must be between 0 and 1."));
        }
        if (pathJobId == null) {
            return byExternalId(provider, webhook, arrival);
        }
        return forJob(provider, pathJobId, token, webhook, arrival);
    }

    /**
     * The job's match with the webhook (its provider, the AI-server id the webhook names, the per-job token) is
     * checked by the transition itself: one Redis round trip in all. Only a terminal report that must be confirmed
     * (an unsigned sender's) reads the job first, to ask the provider about it.
     */
    private Uni<WebhookOutcome> forJob(WebhookReceiver provider, String jobId, String token, InboundWebhook webhook,
            Arrival.Webhook arrival) {
        boolean byToken = isByToken(arrival);
        if (byToken && token == null) {
            return fail(tokenRefused(provider));
        }
        WebhookGuard guard = new WebhookGuard(provider.name(), webhook.externalId(),
                byToken ? Ids.sha256(token) : null);
        if (webhook.askProvider() && !byToken) {
            return jobs.find(jobId).chain(found -> {
                StoredJob stored = found.orElseThrow(() -> ApiException.jobNotFound(jobId));
                return canAsk(provider, stored)
                        ? confirmed(provider, stored, arrival, guard)
                        : guarded(provider, jobId, webhook.report(), arrival, guard);
            });
        }
        if (byToken && provider.confirmsTerminalWebhooks() && webhook.report().status().isTerminal()) {
            return jobs.find(jobId).chain(found -> {
                // No job is answered as a wrong token: the URL must not tell which job ids exist.
                if (found.isEmpty() || !tokenMatches(found.get(), token)) {
                    return fail(tokenRefused(provider));
                }
                StoredJob stored = found.get();
                return needsConfirmation(provider, stored, webhook, arrival)
                        ? confirmed(provider, stored, arrival, guard)
                        : guarded(provider, jobId, webhook.report(), arrival, guard);
            });
        }
        return guarded(provider, jobId, webhook.report(), arrival, guard);
    }

    private Uni<WebhookOutcome> guarded(WebhookReceiver provider, String jobId, Report report, Arrival.Webhook arrival,
            WebhookGuard guard) {
        return reports.applyWebhook(jobId, report, arrival, guard).map(result -> {
            if (result.outcome() == TransitionResult.Outcome.MISSING && guard.tokenHash() != null) {
                // A token webhook for no job gets the answer of a wrong token: the same status, body and work.
                throw tokenRefused(provider);
            }
            WebhookGuard.Refusal refusal = result.refusal();
            if (refusal == null) {
                return outcome(result);
            }
            throw switch (refusal) {
                case TOKEN -> tokenRefused(provider);
                case PROVIDER -> ProblemType.EXTERNAL_ID_MISMATCH.with("The job in the URL was not handed to "
                        + provider.name() + ".");
                case EXTERNAL_ID -> ProblemType.EXTERNAL_ID_MISMATCH.with(
                        "The webhook names another " + provider.name() + " job than the job in the URL.");
            };
        });
    }

    private static boolean isByToken(Arrival.Webhook arrival) {
        return arrival.authenticatedBy().equals(Arrival.Webhook.BY_TOKEN);
    }

    /** The one answer to a token that is not the job's, whether the job exists or not. */
    private static ApiException tokenRefused(WebhookReceiver provider) {
        return WebhookRejections.unauthorized(provider.name(), "token does not match the job");
    }

    private static boolean tokenMatches(StoredJob job, String token) {
        String expected = job.webhookTokenHash();
        return expected != null && token != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                Ids.sha256(token).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A terminal report that only the per-job token vouches for, from a provider that wants those confirmed, for a
     * job still open (a redelivery to an ended job changes nothing, so it costs no call).
     */
    private static boolean needsConfirmation(WebhookReceiver provider, StoredJob stored, InboundWebhook webhook,
            Arrival.Webhook arrival) {
        return provider.confirmsTerminalWebhooks() && arrival.authenticatedBy().equals(Arrival.Webhook.BY_TOKEN)
                && provider.name().equals(stored.provider())
                && webhook.report().status().isTerminal() && !stored.status().isTerminal()
                && stored.externalId() != null;
    }

    /**
     * A job the provider can be asked about: handed to it, and not ended (a redelivery to an ended one costs no call).
     */
    private static boolean canAsk(WebhookReceiver provider, StoredJob stored) {
        return provider.name().equals(stored.provider()) && !stored.status().isTerminal()
                && stored.externalId() != null;
    }

    /**
     * Asks the provider, once, how the job stands and applies that answer instead of the webhook's body: the webhook
     * is only the news that something happened. No answer (unreachable, its call budget spent) is a 503 with
     * {@code Retry-After}, so the sender retries; nothing changed, and the fallback checks the job anyway.
     */
    private Uni<WebhookOutcome> confirmed(WebhookReceiver provider, StoredJob stored, Arrival.Webhook arrival,
            WebhookGuard guard) {
        Arrival.Webhook confirmedArrival = new Arrival.Webhook(arrival.webhookId(), arrival.senderTimestamp(),
                arrival.authenticatedBy().equals(Arrival.Webhook.BY_SIGNATURE)
                        ? Arrival.Webhook.BY_SIGNATURE_CONFIRMED
                        : Arrival.Webhook.BY_TOKEN_CONFIRMED,
                arrival.deliveryLagMs());
        return provider.status(new ProviderJob(stored.id(), stored.externalId(), stored.model(),
                stored.providerHandle()))
                .onFailure(failure -> !(failure instanceof ApiException)).transform(failure -> {
                    RejectionLog.info(LOG, "webhook-unconfirmed:" + provider.name(), "Terminal webhook for job "
                            + stored.id() + " not confirmed: " + ProviderCallException.describe(failure));
                    return ProblemType.WEBHOOK_UNCONFIRMED.with("The report could not be confirmed with "
                            + provider.name() + " right now; retry later.").withHeader("Retry-After",
                                    CONFIRM_RETRY_AFTER_SECONDS);
                })
                .chain(report -> guarded(provider, stored.id(), report, confirmedArrival, guard));
    }

    /** A signed webhook sent to {@code /webhooks/{provider}}: its job is found by the provider's id. */
    private Uni<WebhookOutcome> byExternalId(WebhookReceiver provider, InboundWebhook webhook,
            Arrival.Webhook arrival) {
        if (webhook.externalId() == null || webhook.externalId().isBlank()) {
            return fail(ProblemType.INVALID_REQUEST.with("A webhook sent to /webhooks/" + provider.name()
                    + " must name the AI server's job."));
        }
        return reports.applyByExternalId(provider.name(), webhook.externalId(), webhook.report(), arrival)
                .map(result -> result.outcome() == TransitionResult.Outcome.PARKED
                        ? WebhookOutcome.parked("No job is mapped to this AI-server job id yet; the webhook is kept "
                                + "for " + reports.parkedFor().toMinutes() + " min and applied when it is.")
                        : outcome(result));
    }

    /** What the state machine's answer means for the webhook meter. */
    static WebhookResult result(WebhookOutcome outcome) {
        if (outcome.isParked()) {
            return WebhookResult.PARKED;
        }
        String reason = outcome.reason();
        if ("applied".equals(outcome.outcome()) || reason == null) {
            return WebhookResult.APPLIED;
        }
        if (reason.startsWith("duplicate") || reason.startsWith("no change")) {
            return WebhookResult.DUPLICATE;
        }
        if (reason.startsWith("job already")) {
            return WebhookResult.LATE;
        }
        if (reason.startsWith("unknown status")) {
            return WebhookResult.MALFORMED;
        }
        return WebhookResult.OUT_OF_ORDER; // moving backwards, stale progress
    }

    /** A refused webhook, by why; null for what says nothing about the sender (e.g. Redis down). */
    static WebhookResult result(ApiException refused) {
        return switch (refused.problem()) {
            case INVALID_WEBHOOK_SIGNATURE -> WebhookResult.BAD_SIGNATURE;
            case JOB_NOT_FOUND -> WebhookResult.UNKNOWN_JOB;
            case INVALID_JSON, INVALID_REQUEST, UNKNOWN_STATUS, INVALID_PROGRESS, EXTERNAL_ID_MISMATCH, BODY_TOO_LARGE,
                    UNSUPPORTED_MEDIA_TYPE ->
                WebhookResult.MALFORMED;
            default -> null;
        };
    }

    private static WebhookOutcome outcome(TransitionResult result) {
        if (result.outcome() == TransitionResult.Outcome.MISSING) {
            throw ApiException.jobNotFound(result.jobId());
        }
        return new WebhookOutcome(result.applied() ? "applied" : "ignored", result.jobId(),
                result.status() == null ? null : result.status().wireName(), result.version(), result.reason());
    }

    private static <T> Uni<T> fail(ApiException e) {
        return Uni.createFrom().failure(e);
    }
}
