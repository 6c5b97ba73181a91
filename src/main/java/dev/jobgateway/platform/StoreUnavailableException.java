package dev.jobgateway.platform;

/** Redis could not be reached or did not answer in time: the caller should retry later (503). */
public class StoreUnavailableException extends RuntimeException {

    public StoreUnavailableException(Throwable cause) {
        super("Redis is unavailable: " + cause.getMessage(), cause);
    }

    /** Another store the gateway needs right now (the output bucket) is unavailable: the caller retries later. */
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
