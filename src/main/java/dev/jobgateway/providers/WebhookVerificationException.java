package dev.jobgateway.providers;

/** A webhook whose signature does not hold; the reason is safe to log (it never contains a secret). */
public class WebhookVerificationException extends Exception {

    public WebhookVerificationException(String reason) {
        super(reason, null, false, false);
    }
}
