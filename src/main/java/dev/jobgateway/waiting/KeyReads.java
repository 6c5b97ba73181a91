package dev.jobgateway.waiting;

import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;

/**
 * How a read of a wait gets the stored record of one job: sent on its own (a read that is not held), or, for a held
 * read, shared with the job's other waiters ({@link WaiterRegistry#shared}). Only the record is shared: whose job it
 * is and what the caller may see are decided by each read.
 */
public interface KeyReads {

    /** Each read on its own. */
    KeyReads EACH_ITS_OWN = new KeyReads() {
        @Override
        public <T> Uni<T> read(String key, Supplier<Uni<T>> read) {
            return read.get();
        }
    };

    /** The record of job {@code key}, which {@code read} reads; every caller for a key reads the same type. */
    <T> Uni<T> read(String key, Supplier<Uni<T>> read);
}
