package dev.jobgateway.auth;

import java.util.Set;
import java.util.function.Predicate;

import jakarta.enterprise.context.RequestScoped;

/**
 * Who sent the current frontend API request: the owner its API key stands for, or, for a read token, that
 * token's owner and the only jobs it may read.
 */
@RequestScoped
public class Caller {

    private String owner;
    private String apiKeyHash;
    private Set<String> readableJobs;

    /** The caller's owner; only ever read on {@link Authenticated} resources, after the key was checked. */
    public String owner() {
        if (owner == null) {
            throw new IllegalStateException("No authenticated caller: is the resource missing @Authenticated?");
        }
        return owner;
    }

    /**
     * Whether the caller may read this job: any of its owner's with an API key, only the token's jobs with a read
     * token. A job it may not read is answered as unknown, before Redis is asked.
     */
    public boolean mayRead(String jobId) {
        return readable().test(jobId);
    }

    /**
     * {@link #mayRead} as a predicate that holds what it needs itself: callbacks of a held read may run outside the
     * request's scope, where this bean cannot be reached.
     */
    public Predicate<String> readable() {
        owner();
        Set<String> jobs = readableJobs;
        return jobs == null ? id -> true : jobs::contains;
    }

    /** Whether the caller came with a read token rather than an API key. */
    public boolean hasReadToken() {
        return readableJobs != null;
    }

    /** The SHA-256 of the API key the caller came with (read tokens minted now are tied to it); null with a token. */
    public String apiKeyHash() {
        return apiKeyHash;
    }

    void authenticate(ApiKeys.Holder key) {
        this.owner = key.owner();
        this.apiKeyHash = key.keyHash();
        this.readableJobs = null;
    }

    void authenticate(ReadTokens.Grant grant) {
        this.owner = grant.owner();
        this.apiKeyHash = null;
        this.readableJobs = grant.jobs();
    }
}
