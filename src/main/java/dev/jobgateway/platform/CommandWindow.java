package dev.jobgateway.platform;

import java.util.ArrayDeque;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * Back-pressure for one pipelined connection: at most {@code inFlight} commands are on it at a time (the client fails
 * the next one with "Redis waiting queue is full" past its {@code max-waiting-handlers}); the next ones wait here, in
 * order, up to {@code queued}; beyond that a command fails at once as {@link StoreUnavailableException} (503 with
 * {@code Retry-After}), never with an error the caller would see as a 500. A command's slot is free once the
 * connection has answered it or failed it, even if its caller stopped waiting (a timeout), since until then it still
 * takes a place in the client's queue.
 */
final class CommandWindow {

    private final int inFlightLimit;
    private final int queueLimit;
    private final ArrayDeque<Waiting<?>> queue = new ArrayDeque<>();
    private int inFlight;
    private int doneToHandOver;
    private boolean handingOver;

    CommandWindow(int inFlight, int queued) {
        this.inFlightLimit = Math.max(1, inFlight);
        this.queueLimit = Math.max(0, queued);
    }

    /** Runs {@code command} once there is room; its completion (item or failure) frees the room. */
    <T> Uni<T> run(Supplier<Uni<T>> command) {
        return Uni.createFrom().emitter(emitter -> {
            Waiting<T> waiting = new Waiting<>(command, emitter);
            boolean start;
            synchronized (this) {
                if (inFlight < inFlightLimit) {
                    inFlight++;
                    start = true;
                } else if (queue.size() < queueLimit) {
                    queue.add(waiting);
                    start = false;
                } else {
                    start = false;
                    waiting.cancelled = true;
                }
            }
            if (waiting.cancelled) {
                emitter.fail(new StoreUnavailableException("Redis is busy: " + inFlightLimit + " commands in flight "
                        + "on the shared connection and " + queueLimit + " waiting", null));
                return;
            }
            // A caller that stops waiting (a timeout, a client gone) before its turn leaves the queue.
            emitter.onTermination(() -> {
                synchronized (this) {
                    if (!waiting.started) {
                        waiting.cancelled = true;
                        queue.remove(waiting);
                    }
                }
            });
            if (start) {
                waiting.start(this);
            }
        });
    }

    /** Commands on the connection now. */
    synchronized int inFlight() {
        return inFlight;
    }

    /** Commands waiting for room now. */
    synchronized int queued() {
        return queue.size();
    }

    /**
     * A command is done: its room goes to the next waiting one, or is free. Iterative, whichever thread calls: a
     * command that fails at once (a connect that failed moments ago) would otherwise start the next one from inside
     * this call, and a long queue would overflow the stack.
     */
    private void done() {
        synchronized (this) {
            doneToHandOver++;
            if (handingOver) {
                return;
            }
            handingOver = true;
        }
        while (true) {
            Waiting<?> next;
            synchronized (this) {
                if (doneToHandOver == 0) {
                    handingOver = false;
                    return;
                }
                doneToHandOver--;
                next = queue.poll();
                if (next == null) {
                    inFlight--;
                    continue;
                }
                // The room passes straight to the next command: inFlight stays as it is.
                next.started = true;
            }
            next.startNow(this);
        }
    }

    private static final class Waiting<T> {

        private final Supplier<Uni<T>> command;
        private final UniEmitter<? super T> emitter;
        /** Both under the window's monitor. */
        boolean started;
        boolean cancelled;

        Waiting(Supplier<Uni<T>> command, UniEmitter<? super T> emitter) {
            this.command = command;
            this.emitter = emitter;
        }

        void start(CommandWindow window) {
            synchronized (window) {
                started = true;
            }
            startNow(window);
        }

        void startNow(CommandWindow window) {
            Uni<T> sent;
            try {
                sent = command.get();
            } catch (RuntimeException e) {
                window.done();
                emitter.fail(e);
                return;
            }
            // Not tied to the caller's subscription: the room is freed when the connection is done with the command.
            sent.subscribe().with(item -> {
                window.done();
                emitter.complete(item);
            }, failure -> {
                window.done();
                emitter.fail(failure);
            });
        }
    }
}
