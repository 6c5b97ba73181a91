package dev.jobgateway.providers;

/**
 * A job as its provider knows it: the provider's id for it and the routing it was submitted with.
 *
 * @param jobId the gateway's id
 * @param externalId the provider's id (Replicate's prediction id, fal's {@code request_id})
 * @param model the job's routing, or null
 * @param handle what the provider's hand-off kept with the job ({@link Handoff#handle()}), or null: none was kept,
 *        or the job was handed off before its provider kept one
 */
public record ProviderJob(String jobId, String externalId, String model, String handle) {

    public ProviderJob(String jobId, String externalId, String model) {
        this(jobId, externalId, model, null);
    }
}
