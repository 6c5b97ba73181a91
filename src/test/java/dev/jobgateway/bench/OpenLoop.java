package dev.jobgateway.bench;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntPredicate;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * An open-loop load generator: requests leave at a fixed arrival rate whatever the answers do, and each latency is
 * measured from the moment the request was <em>meant</em> to leave. A closed-loop tool (wrk, a client that sends
 * the next request when the last one is answered) stops sending while the server stalls, so a 400 ms stall costs it
 * one slow sample; here every request scheduled during the stall carries its share of it, as real users arriving
 * meanwhile would (coordinated omission, Gil Tene's term). Latencies go to an HdrHistogram in microseconds.
 *
 * <p>
 * One Vert.x event loop sends and reads (non-blocking HTTP/1.1 over a keep-alive pool); one scheduler thread wakes
 * up at each request's intended time and hands the due requests to that loop. How late they reached it is recorded
 * too ({@link Run#sendLag()}): a late generator shows there, not as the server's latency only. Loopback only,
 * bounded in time: a run lasts its duration plus at most the answer timeout, and what is unanswered by then is an
 * error.
 */
final class OpenLoop implements AutoCloseable {

    /**
     * One scheduled request: started on the generator's event loop at (or just after) its intended time; completes
     * with the HTTP status of the answer it measures (its own, or one it waits for), or fails.
     */
    @FunctionalInterface
    interface Action {
        Future<Integer> start(int index);
    }

    /**
     * What one run measured. {@code latency} holds the answers whose status was expected, in µs from their intended
     * send time; {@code sendLag} how late each request reached the event loop, in µs. Errors are failures (refused,
     * reset, no answer within the timeout) plus unexpected statuses.
     */
    record Run(double offeredRps, double achievedRps, long scheduled, long sent, long answered, long failures,
            long unexpectedStatus, Histogram latency, Histogram sendLag) {

        long errors() {
            return failures + unexpectedStatus;
        }

        /** A latency percentile in ms; NaN without samples. */
        double ms(double percentile) {
            return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(percentile) / 1000.0;
        }

        double maxMs() {
            return latency.getTotalCount() == 0 ? Double.NaN : latency.getMaxValue() / 1000.0;
        }

        /** The number of answers slower than {@code ms}. */
        long slowerThan(double ms) {
            long threshold = (long) (ms * 1000);
            long count = 0;
            for (var value : latency.recordedValues()) {
                if (value.getValueIteratedTo() > threshold) {
                    count += value.getCountAtValueIteratedTo();
                }
            }
            return count;
        }

        String summary() {
            return String.format(java.util.Locale.ROOT,
                    "offered %.0f rps, sent %d of %d at %.0f rps, %d answered, %d failed, %d unexpected status; "
                            + "ms p50 %.2f p90 %.2f p99 %.2f p99.9 %.2f max %.2f; send lag p99 %.2f ms",
                    offeredRps, sent, scheduled, achievedRps, answered, failures, unexpectedStatus, ms(50), ms(90),
                    ms(99), ms(99.9), maxMs(), sendLag.getValueAtPercentile(99) / 1000.0);
        }
    }

    private final Vertx vertx;
    private final Context context;
    private final HttpClient http;

    /** {@code connections}: the keep-alive pool of the generator's own client (more queue in it, and count). */
    OpenLoop(int connections) {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1));
        context = vertx.getOrCreateContext();
        http = client(connections);
    }

    /** Another client on the same event loop, e.g. for long-held requests that would starve the main pool. */
    HttpClient client(int connections) {
        return vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
    }

    HttpClient http() {
        return http;
    }

    /** Runs {@code task} on the generator's event loop and returns what it completes with, within {@code atMost}. */
    <T> T onLoop(java.util.function.Supplier<Future<T>> task, Duration atMost) throws Exception {
        Promise<T> promise = Promise.promise();
        context.runOnContext(v -> task.get().onComplete(promise));
        return promise.future().toCompletionStage().toCompletableFuture().get(atMost.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Starts {@code rps × duration} actions at a fixed rate and returns when all are answered or {@code timeout}
     * after the last intended send, whichever is first. {@code expected} says which statuses are answers.
     */
    Run run(double rps, Duration duration, Duration timeout, IntPredicate expected, Action action)
            throws InterruptedException {
        int scheduled = (int) Math.max(1, Math.round(rps * duration.toNanos() / 1e9));
        double intervalNanos = 1e9 / rps;
        Histogram latency = new SynchronizedHistogram(3);
        Histogram sendLag = new SynchronizedHistogram(3);
        AtomicLong answered = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        AtomicLong unexpected = new AtomicLong();
        AtomicLong sent = new AtomicLong();
        AtomicLong lastSentAt = new AtomicLong();
        AtomicBoolean over = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(scheduled);
        // A little ahead, so the first requests are not late because the loop was idle.
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        int next = 0;
        while (next < scheduled && !over.get()) {
            long due = start + (long) (next * intervalNanos);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
                continue;
            }
            // Everything due now goes in one hand-over: the loop, not this thread, is the bottleneck to watch.
            int from = next;
            long now = System.nanoTime();
            while (next < scheduled && start + (long) (next * intervalNanos) <= now) {
                next++;
            }
            int to = next;
            context.runOnContext(v -> {
                for (int i = from; i < to && !over.get(); i++) {
                    long intended = start + (long) (i * intervalNanos);
                    long startedAt = System.nanoTime();
                    sendLag.recordValue(Math.max(0, (startedAt - intended) / 1000));
                    sent.incrementAndGet();
                    lastSentAt.set(startedAt);
                    Future<Integer> outcome;
                    try {
                        outcome = action.start(i);
                    } catch (RuntimeException e) {
                        outcome = Future.failedFuture(e);
                    }
                    outcome.onComplete(ar -> {
                        if (over.get()) {
                            return; // counted as unanswered already
                        }
                        if (ar.succeeded() && expected.test(ar.result())) {
                            latency.recordValue(Math.max(0, (System.nanoTime() - intended) / 1000));
                            answered.incrementAndGet();
                        } else if (ar.succeeded()) {
                            unexpected.incrementAndGet();
                        } else {
                            failures.incrementAndGet();
                        }
                        done.countDown();
                    });
                }
            });
        }
        long lastIntended = start + (long) ((scheduled - 1) * intervalNanos);
        long deadline = lastIntended + timeout.toNanos();
        done.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        // Stop counting on the loop itself, so no answer slips in between the snapshot and the flag.
        Promise<Void> stopped = Promise.promise();
        context.runOnContext(v -> {
            over.set(true);
            stopped.complete();
        });
        try {
            stopped.future().toCompletionStage().toCompletableFuture().get(timeout.toMillis() + 5_000,
                    TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            over.set(true); // the loop itself is stuck: count from here
        }
        long answers = answered.get();
        long unexpectedStatus = unexpected.get();
        long unanswered = scheduled - answers - unexpectedStatus; // failed, never sent, or no answer in time
        long sentCount = sent.get();
        double sendSeconds = (lastSentAt.get() - start) / 1e9;
        double achieved = sentCount <= 1 || sendSeconds <= 0 ? Double.NaN : (sentCount - 1) / sendSeconds;
        return new Run(rps, achieved, scheduled, sentCount, answers, unanswered, unexpectedStatus,
                latency.copy(), sendLag.copy());
    }

    /**
     * The closed-loop maximum of {@code action}: {@code concurrency} in flight, each followed by the next as soon as
     * it is answered, for {@code duration}; answers per second with an expected status. Only for when no wrk
     * maximum of the same path is at hand: this client on one event loop may saturate before the server does.
     */
    double maxRps(int concurrency, Duration duration, IntPredicate expected, Action action) throws Exception {
        AtomicLong answers = new AtomicLong();
        long end = System.nanoTime() + duration.toNanos();
        Promise<Void> finished = Promise.promise();
        AtomicLong running = new AtomicLong(concurrency);
        java.util.concurrent.atomic.AtomicInteger index = new java.util.concurrent.atomic.AtomicInteger();
        context.runOnContext(v -> {
            for (int c = 0; c < concurrency; c++) {
                chain(action, index, expected, answers, end, running, finished);
            }
        });
        finished.future().toCompletionStage().toCompletableFuture().get(duration.toMillis() + 30_000,
                TimeUnit.MILLISECONDS);
        return answers.get() / (duration.toNanos() / 1e9);
    }

    private void chain(Action action, java.util.concurrent.atomic.AtomicInteger index, IntPredicate expected,
            AtomicLong answers, long end, AtomicLong running, Promise<Void> finished) {
        if (System.nanoTime() >= end) {
            if (running.decrementAndGet() == 0) {
                finished.complete();
            }
            return;
        }
        action.start(index.getAndIncrement()).onComplete(ar -> {
            if (ar.succeeded() && expected.test(ar.result()) && System.nanoTime() < end) {
                answers.incrementAndGet();
            }
            chain(action, index, expected, answers, end, running, finished);
        });
    }

    /** A request with a fixed method, path, headers and body, answered by its own status. */
    Action request(int port, HttpMethod method, String path, MultiMap headers, Buffer body) {
        RequestOptions options = new RequestOptions().setHost("127.0.0.1").setPort(port).setMethod(method)
                .setURI(path).setHeaders(headers);
        return index -> send(http, options, body);
    }

    /** Sends one request and completes with its status once the whole answer has been read. */
    static Future<Integer> send(HttpClient client, RequestOptions options, Buffer body) {
        return client.request(options)
                .compose(request -> body == null ? request.send() : request.send(body))
                .compose(response -> response.body().map(read -> response.statusCode()));
    }

    @Override
    public void close() {
        vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> null)
                .join();
    }
}
