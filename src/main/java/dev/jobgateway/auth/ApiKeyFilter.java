package dev.jobgateway.auth;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** Checks the API key of every {@link Authenticated} request before the resource (and Redis) sees it. */
class ApiKeyFilter {

    private final ApiKeys keys;
    private final Caller caller;

    ApiKeyFilter(ApiKeys keys, Caller caller) {
        this.keys = keys;
        this.caller = caller;
    }

    @Authenticated
    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    void authenticate(ContainerRequestContext request) {
        caller.authenticate(keys.ownerOf(request.getHeaderString(HttpHeaders.AUTHORIZATION)));
    }
}
