package dev.jobgateway.providers;

import dev.jobgateway.job.Report;

/**
 * What an authenticated webhook says.
 *
 * @param externalId the provider's id of the job it is about, or null when the body does not name one
 * @param report what it reports, in the gateway's terms
 */
public record InboundWebhook(String externalId, Report report) {
}
