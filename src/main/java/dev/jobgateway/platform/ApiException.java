package dev.jobgateway.platform;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request the gateway refuses, with the problem+json it answers. Thrown anywhere; rendered in one place
 * ({@link ProblemMapper}).
 */
public class ApiException extends RuntimeException {

    private final int status;
    private final String type;
    private final String title;
    private final Map<String, String> headers = new LinkedHashMap<>();

    public ApiException(int status, String type, String title, String detail) {
        super(detail, null, false, false);
        this.status = status;
        this.type = type;
        this.title = title;
    }

    public int status() {
        return status;
    }

    /** The short problem type; rendered as {@code /problems/<type>}. */
    public String type() {
        return type;
    }

    public String title() {
        return title;
    }

    public String detail() {
        return getMessage();
    }

    /** Response headers the problem needs, e.g. {@code WWW-Authenticate} on a 401. */
    public Map<String, String> headers() {
        return Map.copyOf(headers);
    }

    public ApiException withHeader(String name, String value) {
        headers.put(name, value);
        return this;
    }

    public static ApiException badRequest(String type, String title, String detail) {
        return new ApiException(400, type, title, detail);
    }

    public static ApiException notFound(String type, String title, String detail) {
        return new ApiException(404, type, title, detail);
    }

    public static ApiException unprocessable(String type, String title, String detail) {
        return new ApiException(422, type, title, detail);
    }

    public static ApiException unauthorized(String type, String title, String detail) {
        return new ApiException(401, type, title, detail);
    }

    public static ApiException conflict(String type, String title, String detail) {
        return new ApiException(409, type, title, detail);
    }

    /**
     * Unknown, ill-formed and someone else's job ids get the same answer, so a caller cannot learn that another
     * owner's job exists. The id is echoed only when it has the shape of one of ours.
     */
    public static ApiException jobNotFound(String id) {
        String detail = Ids.isJobId(id) ? "No job with id '" + id + "'." : "No job with that id.";
        return notFound("job-not-found", "Job not found", detail);
    }
}
