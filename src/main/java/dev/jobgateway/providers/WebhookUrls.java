package dev.jobgateway.providers;

/**
 * The webhook URL a job's provider is handed, the same shape for every provider: the route
 * {@code /webhooks/{provider}/{job id}} on the gateway's public base, with the per-job token where the receiver
 * wants it ({@link WebhookReceiver#webhookUrlCarriesToken()}).
 */
public final class WebhookUrls {

    private WebhookUrls() {
    }

    /**
     * {@code {publicBaseUrl}/webhooks/{provider}/{jobId}[?token=...]}, or null for a provider that takes no webhooks
     * (nothing to hand it). {@code publicBaseUrl} is {@code gateway.public-base-url}, with or without a trailing slash.
     */
    public static String of(Provider provider, String publicBaseUrl, String jobId, String token) {
        if (!(provider instanceof WebhookReceiver receiver)) {
            return null;
        }
        String base = publicBaseUrl.endsWith("/") ? publicBaseUrl.substring(0, publicBaseUrl.length() - 1)
                : publicBaseUrl;
        String url = base + "/webhooks/" + provider.name() + "/" + jobId;
        return receiver.webhookUrlCarriesToken() ? url + "?token=" + token : url;
    }
}
