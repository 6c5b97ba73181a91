package dev.jobgateway.providers;

import dev.jobgateway.job.Report;

/**
 * What an authenticated webhook says.
 *
 * @param externalId the provider's id of the job it is about, or null when the body does not name one
 * @param report what it reports, in the gateway's terms
 * @param askProvider whether the webhook is only the news that the job ended, without what it ended with (e.g. fal's
 *        {@code payload_error}: its result could not be put in the webhook): the gateway then asks the provider once
 *        ({@link Provider#status}) and applies that answer instead of {@code report}, which is applied only where no
 *        question can be asked (the job has ended, or is not known by its id yet)
 */
public record InboundWebhook(String externalId, Report report, boolean askProvider) {

    public InboundWebhook(String externalId, Report report) {
        this(externalId, report, false);
    }
}
