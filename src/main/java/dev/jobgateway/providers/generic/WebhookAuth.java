package dev.jobgateway.providers.generic;

/** What authenticates a webhook of the generic protocol ({@code gateway.providers.generic.webhook-auth}). */
public enum WebhookAuth {
    /** A valid Standard Webhooks signature. */
    SIGNATURE,
    /** The per-job token carried in the webhook URL (for AI servers that cannot sign). */
    TOKEN,
    /** Either of the two. */
    SIGNATURE_OR_TOKEN
}
