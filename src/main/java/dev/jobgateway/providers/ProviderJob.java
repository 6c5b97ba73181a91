package dev.jobgateway.providers;

/**
 * A job as its provider knows it: the provider's id for it and the routing it was submitted with.
 *
 * @param jobId the gateway's id
 * @param externalId the provider's id (Replicate's prediction id, fal's {@code request_id})
 * @param model the job's routing, or null
 * @param inputJson the job's input as submitted (JSON text), for providers whose only status call repeats the
 *        submit (Cog's idempotent {@code PUT}); null where the caller does not need it (a cancel)
 * @param handle what the provider's hand-off kept with the job ({@link Handoff#handle()}), or null: none was kept,
 *        or the job was handed off before its provider kept one
 */
public record ProviderJob(String jobId, String externalId, String model, String inputJson, String handle) {

    public ProviderJob(String jobId, String externalId, String model, String inputJson) {
        this(jobId, externalId, model, inputJson, null);
    }

    public ProviderJob(String jobId, String externalId, String model) {
        this(jobId, externalId, model, null, null);
    }
}
