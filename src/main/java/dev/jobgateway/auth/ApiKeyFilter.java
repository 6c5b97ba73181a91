package dev.jobgateway.auth;

import java.util.Optional;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Checks the credentials of every {@link Authenticated} request before the resource (and Redis) sees it: an API
 * key, or a read token on the methods marked {@link ReadTokenAccepted}. A token that does not verify is looked up
 * as an API key, so an expired or forged token gets exactly the answer of an unknown key.
 */
class ApiKeyFilter {

    private final ApiKeys keys;
    private final ReadTokens tokens;
    private final Caller caller;

    ApiKeyFilter(ApiKeys keys, ReadTokens tokens, Caller caller) {
        this.keys = keys;
        this.tokens = tokens;
        this.caller = caller;
    }

    @Authenticated
    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    void authenticate(ContainerRequestContext request, ResourceInfo resource) {
        String bearer = ApiKeys.bearer(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        Optional<ReadTokens.Grant> grant = tokens.looksLikeToken(bearer) ? tokens.verify(bearer) : Optional.empty();
        if (grant.isEmpty()) {
            caller.authenticate(keys.identify(bearer));
            return;
        }
        if (resource.getResourceMethod() == null
                || !resource.getResourceMethod().isAnnotationPresent(ReadTokenAccepted.class)) {
            throw ApiKeys.invalid("read token on a call that needs an API key",
                    "This call needs an API key; a read token only reads the jobs it names.");
        }
        caller.authenticate(grant.get());
    }
}
