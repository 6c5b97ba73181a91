package dev.jobgateway.auth;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.ws.rs.NameBinding;

/**
 * Marks a resource (class or method) as the frontend API: every request needs a valid API key, and
 * {@link Caller} tells the resource whose request it is. Webhooks, health and OpenAPI carry no such mark.
 */
@NameBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
public @interface Authenticated {
}
