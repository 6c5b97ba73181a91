package dev.jobgateway.providers;

/**
 * A call to a provider gave no usable answer. The message is safe for logs and the timeline: it never holds a
 * credential or a response body.
 */
public class ProviderCallException extends RuntimeException {

    public ProviderCallException(String message) {
        super(message, null, false, false);
    }

    /** The failure of a status answer in a word the adapter does not know: "{aiServer} answered an unknown status". */
    public static ProviderCallException unknownStatus(String aiServer, String status) {
        return new ProviderCallException(aiServer + " answered an unknown status '" + shown(status) + "'.");
    }

    /** A word from a provider's answer (a status), cut to 40 characters for a message; "" for none. */
    public static String shown(String word) {
        return word == null ? "" : word.length() > 40 ? word.substring(0, 40) + "..." : word;
    }

    /** The safe message of a provider call's failure, whatever it was. */
    public static String describe(Throwable failure) {
        if (failure instanceof ProviderCallException known) {
            return known.getMessage();
        }
        if (failure instanceof java.util.concurrent.TimeoutException) {
            return "The AI server did not answer in time.";
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return "The AI server could not be reached (" + root.getClass().getSimpleName() + ").";
    }
}
