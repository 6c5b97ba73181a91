package dev.jobgateway.providers;

/** A provider answered with a status that is not a success; carries the answer for the adapter to map. */
public class HttpStatusException extends ProviderCallException {

    private final ProviderHttp.Answer answer;
    private final String detail;

    public HttpStatusException(ProviderHttp.Answer answer) {
        this(answer, null);
    }

    /** {@code detail}: the provider's own short word on the error, if it gave one (shown in the timeline). */
    public HttpStatusException(ProviderHttp.Answer answer, String detail) {
        super("The AI server answered HTTP " + answer.status() + (detail == null ? "" : " (" + shorten(detail) + ")")
                + ".");
        this.answer = answer;
        this.detail = shorten(detail);
    }

    private static String shorten(String detail) {
        return detail == null || detail.length() <= 200 ? detail : detail.substring(0, 200) + "...";
    }

    /** The provider's short word on the error, at most 200 characters, or null. */
    public String detail() {
        return detail;
    }

    public ProviderHttp.Answer answer() {
        return answer;
    }

    public int status() {
        return answer.status();
    }
}
