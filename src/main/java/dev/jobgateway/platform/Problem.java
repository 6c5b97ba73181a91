package dev.jobgateway.platform;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** An RFC 9457 problem detail, the body of every error response. */
@RegisterForReflection
public record Problem(String type, String title, int status, String detail) {

    public static final String MEDIA_TYPE = "application/problem+json";

    static Problem of(int status, String type, String title, String detail) {
        return new Problem(ProblemType.BASE_URI + type, title, status, detail);
    }
}
