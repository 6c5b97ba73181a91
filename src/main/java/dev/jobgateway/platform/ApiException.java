package dev.jobgateway.platform;

/**
 * A request the gateway refuses, with the problem+json it answers. Thrown anywhere; rendered in one place
 * ({@link ProblemMapper}).
 */
public class ApiException extends RuntimeException {

    private final int status;
    private final String type;
    private final String title;

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

    public static ApiException jobNotFound(String id) {
        return notFound("job-not-found", "Job not found", "No job with id '" + id + "'.");
    }
}
