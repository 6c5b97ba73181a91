package dev.jobgateway.platform;

import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * The one path from an exception to a problem+json response. 4xx are logged at INFO, at most once per 10 s per problem
 * type with a count ({@link RejectionLog}); 5xx at ERROR, each one.
 */
class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);
    static final String RETRY_AFTER_SECONDS = "2";

    @ServerExceptionMapper
    Response apiException(ApiException e) {
        RejectionLog.info(LOG, e.type(), e.status() + " " + e.type() + ": " + e.detail());
        Response.ResponseBuilder response = Response.fromResponse(respond(e.problem().problem(e.detail())));
        e.headers().forEach(response::header);
        return response.build();
    }

    @ServerExceptionMapper
    Response storeUnavailable(StoreUnavailableException e) {
        LOG.errorf("503 store-unavailable: %s", e.getMessage());
        return Response.fromResponse(respond(ProblemType.STORE_UNAVAILABLE.problem(
                "The job store cannot be reached; retry after a short pause.")))
                .header("Retry-After", RETRY_AFTER_SECONDS).build();
    }

    @ServerExceptionMapper
    Response malformedJson(JsonProcessingException e) {
        LOG.infof("400 invalid-json: %s", e.getOriginalMessage());
        return respond(ProblemType.INVALID_JSON.problem("The request body is not valid JSON."));
    }

    @ServerExceptionMapper
    Response webApplication(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            return unexpected(e);
        }
        Problem problem;
        if (e instanceof NotFoundException) {
            problem = ProblemType.NOT_FOUND.problem("No such resource.");
        } else if (e instanceof NotAllowedException) {
            problem = ProblemType.METHOD_NOT_ALLOWED.problem("This resource does not support that method.");
        } else if (e instanceof NotSupportedException) {
            problem = ProblemType.UNSUPPORTED_MEDIA_TYPE.problem("Send the body as application/json.");
        } else {
            // Any other status the HTTP layer refuses with (e.g. 406): not one of ours, so not in the catalogue.
            problem = Problem.of(status, "http-" + status, e.getResponse().getStatusInfo().getReasonPhrase(),
                    "The request was refused.");
        }
        RejectionLog.info(LOG, problem.type(), status + " " + problem.type());
        Response.ResponseBuilder builder = Response.status(status).type(Problem.MEDIA_TYPE).entity(problem);
        e.getResponse().getHeaders().forEach((name, values) -> {
            if (name.equalsIgnoreCase("Allow")) {
                values.forEach(v -> builder.header(name, v));
            }
        });
        return builder.build();
    }

    @ServerExceptionMapper
    Response unexpected(Throwable e) {
        if (StoreErrors.isUnavailable(e)) {
            return storeUnavailable(new StoreUnavailableException(e));
        }
        LOG.error("500 internal-error", e);
        return respond(ProblemType.INTERNAL_ERROR.problem(
                "The gateway failed unexpectedly; the request may be retried."));
    }

    static Response respond(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }
}
