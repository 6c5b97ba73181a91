package dev.jobgateway.auth;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an {@link Authenticated} resource method that a read token may call (reads, waits, batches, timelines of
 * the token's jobs). Every other method needs the API key: a read token there is refused like an unknown key.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface ReadTokenAccepted {
}
