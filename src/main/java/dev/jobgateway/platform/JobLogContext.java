package dev.jobgateway.platform;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MultivaluedMap;

import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Puts the job a request is about into the logging context ({@code job_id}), so every line logged while handling
 * it carries the id: a field of the JSON log line on Lambda, a column in dev. Quarkus keeps the MDC per request
 * (on the request's Vert.x context), so one request's id never leaks into another's lines.
 */
public class JobLogContext {

    /** The MDC key, and the field name under {@code mdc} in JSON log lines. */
    public static final String KEY = "job_id";

    /** Path parameters that name a job, in the gateway's resources. */
    private static final String[] JOB_ID_PARAMS = { "id", "jobId" };

    /** Marks the lines logged from here on in this request (or task) as being about this job. */
    public static void set(String jobId) {
        if (Ids.isJobId(jobId)) {
            MDC.put(KEY, jobId);
        }
    }

    /** Sets the job id from the matched path before any resource code runs, so even a 404 line carries it. */
    @ServerRequestFilter
    void fromPath(ContainerRequestContext request) {
        MultivaluedMap<String, String> params = request.getUriInfo().getPathParameters();
        for (String name : JOB_ID_PARAMS) {
            String value = params.getFirst(name);
            if (value != null) {
                set(value);
                return;
            }
        }
    }
}
