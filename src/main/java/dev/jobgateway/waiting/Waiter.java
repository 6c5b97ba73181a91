package dev.jobgateway.waiting;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import io.smallrye.mutiny.Uni;

/**
 * One held request, registered under the job ids it waits on. It owns no thread and no connection: only a
 * signal that the change feed completes. A wait arms the signal before each read, so a change that lands
 * between the read and the wait still wakes it.
 */
final class Waiter {

    final Set<String> keys;
    /** Called on every wake-up, for a watch ({@link Waits#watch}); null for a held read. */
    final Runnable listener;
    final AtomicBoolean removed = new AtomicBoolean();
    private CompletableFuture<Void> signal = new CompletableFuture<>();
    /** When the last notice came (System.nanoTime), 0 before any: the wake-up meter's start. */
    private volatile long wokenAt;

    Waiter(Set<String> keys) {
        this(keys, null);
    }

    Waiter(Set<String> keys, Runnable listener) {
        this.keys = keys;
        this.listener = listener;
    }

    /** A fresh signal unless the current one is still pending; call before reading the state waited on. */
    synchronized Uni<Void> arm() {
        if (signal.isDone()) {
            signal = new CompletableFuture<>();
        }
        CompletableFuture<Void> armed = signal;
        return Uni.createFrom().completionStage(armed);
    }

    void wake() {
        synchronized (this) {
            wokenAt = System.nanoTime();
            signal.complete(null);
        }
        if (listener != null) {
            listener.run();
        }
    }

    long wokenAt() {
        return wokenAt;
    }
}
