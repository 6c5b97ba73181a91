package dev.jobgateway.auth;

import jakarta.enterprise.context.RequestScoped;

/** Who sent the current frontend API request: the owner its API key stands for. */
@RequestScoped
public class Caller {

    private String owner;

    /** The caller's owner; only ever read on {@link Authenticated} resources, after the key was checked. */
    public String owner() {
        if (owner == null) {
            throw new IllegalStateException("No authenticated caller: is the resource missing @Authenticated?");
        }
        return owner;
    }

    void authenticate(String owner) {
        this.owner = owner;
    }
}
