package dev.jobgateway.platform;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request the gateway refuses: one {@link ProblemType} of the catalogue and a detail for this occurrence. Thrown
 * anywhere; rendered in one place ({@link ProblemMapper}).
 */
public class ApiException extends RuntimeException {

    private final ProblemType problem;
    private final Map<String, String> headers = new LinkedHashMap<>();

    public ApiException(ProblemType problem, String detail) {
        super(detail, null, false, false);
        this.problem = problem;
    }

    public ProblemType problem() {
        return problem;
    }

    public int status() {
        return problem.status();
    }

    /** The short problem type; rendered as {@link ProblemType#BASE_URI} + type. */
    public String type() {
        return problem.type();
    }

    public String title() {
        return problem.title();
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

    /**
     * Unknown, ill-formed and someone else's job ids get the same answer, so a caller cannot learn that another
     * owner's job exists. The id is echoed only when it has the shape of one of ours.
     */
    public static ApiException jobNotFound(String id) {
        String detail = Ids.isJobId(id) ? "No job with id '" + id + "'." : "No job with that id.";
        return ProblemType.JOB_NOT_FOUND.with(detail);
    }
}
