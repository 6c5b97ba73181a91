package dev.jobgateway.providers;

/**
 * A job as its provider knows it: the provider's id for it and the routing it was submitted with.
 *
 * @param jobId the gateway's id
 * @param externalId the provider's id (Replicate's prediction id, fal's {@code request_id})
 * @param model the job's routing, or null
 */
public record ProviderJob(String jobId, String externalId, String model) {
}
