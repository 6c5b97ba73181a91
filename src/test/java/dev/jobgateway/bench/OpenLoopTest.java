package dev.jobgateway.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

/**
 * The open-loop generator against a tiny local server that stalls once, as a GC pause or a failover would: every
 * request meant to leave during the stall must carry it, where a closed-loop client records the stall once. No
 * assertion here depends on how fast this machine is: only counts, which the stall's length and the rate fix.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a hang is the failure these tests guard against, not slowness
class OpenLoopTest {

    private static final Duration STALL = Duration.ofMillis(400);
    /** Well below the stall, far above a loopback answer. */
    private static final double SLOW_MS = 150;
    private static final int RATE = 200;

    private static Vertx serverVertx;

    @BeforeAll
    static void startVertx() {
        serverVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    }

    @AfterAll
    static void stopVertx() {
        serverVertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void requestsScheduledDuringAStallAllRecordItWhereAClosedLoopClientRecordsItOnce() throws Exception {
        StallingServer openServer = StallingServer.start(serverVertx, 100, STALL);
        OpenLoop.Run run;
        try (OpenLoop generator = new OpenLoop(64)) {
            run = generator.run(RATE, Duration.ofSeconds(2), Duration.ofSeconds(5), status -> status == 200,
                    generator.request(openServer.port(), HttpMethod.GET, "/", MultiMap.caseInsensitiveMultiMap(),
                            null));
        } finally {
            openServer.close();
        }
        StallingServer closedServer = StallingServer.start(serverVertx, 100, STALL);
        long closedSlow;
        try {
            closedSlow = closedLoop(closedServer.port(), 400).stream().filter(ms -> ms > SLOW_MS).count();
        } finally {
            closedServer.close();
        }

        assertEquals(0, run.errors(), run.summary());
        assertEquals(run.scheduled(), run.answered(), run.summary());
        assertTrue(openServer.stalled() && closedServer.stalled(), "both servers stalled once");
        // The closed-loop client saw the stall, on the one request that met it.
        assertTrue(closedSlow >= 1, "closed loop: " + closedSlow + " slow answers");
        // At 200 rps, about 50 requests are meant to leave in the first 250 ms of a 400 ms stall, each answered
        // more than 150 ms after its intended send time.
        long openSlow = run.slowerThan(SLOW_MS);
        assertTrue(openSlow >= 10 * closedSlow,
                "open loop: " + openSlow + " slow answers, closed loop: " + closedSlow + "; " + run.summary());
    }

    @Test
    void aStallOfTheGeneratorItselfCountsForTheRequestsItSentLate() throws Exception {
        // The server never stalls; the generator's own event loop does, once, as a client's GC pause would: the
        // requests meant to leave meanwhile leave late, and their latency must run from when they were meant to.
        StallingServer server = StallingServer.start(serverVertx, Integer.MAX_VALUE, STALL);
        try (OpenLoop generator = new OpenLoop(64)) {
            OpenLoop.Action plain = generator.request(server.port(), HttpMethod.GET, "/",
                    MultiMap.caseInsensitiveMultiMap(), null);
            // A fresh JVM's first second is slow on its own (the JIT): warm the path up first.
            generator.run(200, Duration.ofSeconds(1), Duration.ofSeconds(5), status -> status == 200, plain);
            // At 50 rps, the 12 requests meant to leave in the first 240 ms of the loop's 400 ms stall leave after
            // it, at least 160 ms late: each must show that much latency, however fast the server answers them.
            OpenLoop.Run run = generator.run(50, Duration.ofSeconds(2), Duration.ofSeconds(5),
                    status -> status == 200, index -> {
                        if (index == 40) {
                            busyFor(STALL); // the loop, not a sleeping thread: nothing else runs on it meanwhile
                        }
                        return plain.start(index);
                    });
            assertEquals(run.scheduled(), run.answered(), run.summary());
            assertTrue(run.slowerThan(SLOW_MS) >= 10, run.slowerThan(SLOW_MS) + " slow answers; " + run.summary());
        } finally {
            server.close();
        }
    }

    private static void busyFor(Duration duration) {
        long until = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }

    @Test
    void aRunAgainstANormalServerIsAnsweredInFull() throws Exception {
        StallingServer server = StallingServer.start(serverVertx, Integer.MAX_VALUE, STALL);
        try (OpenLoop generator = new OpenLoop(16)) {
            OpenLoop.Run run = generator.run(RATE, Duration.ofSeconds(1), Duration.ofSeconds(5),
                    status -> status == 200, generator.request(server.port(), HttpMethod.GET, "/",
                            MultiMap.caseInsensitiveMultiMap(), null));
            assertEquals(RATE, run.scheduled(), run.summary());
            assertEquals(run.scheduled(), run.sent(), run.summary());
            assertEquals(run.scheduled(), run.answered(), run.summary());
            assertEquals(run.scheduled(), run.latency().getTotalCount(), run.summary());
            assertEquals(0, run.errors(), run.summary());
        } finally {
            server.close();
        }
    }

    @Test
    void anUnexpectedStatusIsAnErrorNotALatency() throws Exception {
        StallingServer server = StallingServer.start(serverVertx, Integer.MAX_VALUE, STALL);
        try (OpenLoop generator = new OpenLoop(16)) {
            OpenLoop.Run run = generator.run(50, Duration.ofSeconds(1), Duration.ofSeconds(5),
                    status -> status == 401, generator.request(server.port(), HttpMethod.GET, "/",
                            MultiMap.caseInsensitiveMultiMap(), null));
            assertEquals(run.scheduled(), run.unexpectedStatus(), run.summary());
            assertEquals(0, run.answered(), run.summary());
            assertEquals(0, run.latency().getTotalCount(), run.summary());
        } finally {
            server.close();
        }
    }

    @Test
    void aDeadServerEndsTheRunWithErrorsNotAHang() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort(); // closed again: nothing listens there
        }
        try (OpenLoop generator = new OpenLoop(16)) {
            OpenLoop.Run run = generator.run(50, Duration.ofSeconds(1), Duration.ofSeconds(2),
                    status -> status == 200, generator.request(port, HttpMethod.GET, "/",
                            MultiMap.caseInsensitiveMultiMap(), null));
            assertEquals(0, run.answered(), run.summary());
            assertEquals(run.scheduled(), run.errors(), run.summary());
        }
    }

    @Test
    void aServerThatNeverAnswersEndsTheRunWithErrorsNotAHang() throws Exception {
        // Accepts connections (the kernel does, up to the backlog) and never reads or answers.
        try (ServerSocket silent = new ServerSocket(0, 200);
                OpenLoop generator = new OpenLoop(16)) {
            OpenLoop.Run run = generator.run(50, Duration.ofSeconds(1), Duration.ofSeconds(2),
                    status -> status == 200, generator.request(silent.getLocalPort(), HttpMethod.GET, "/",
                            MultiMap.caseInsensitiveMultiMap(), null));
            assertEquals(0, run.answered(), run.summary());
            assertEquals(run.scheduled(), run.errors(), run.summary());
        }
    }

    /** {@code count} requests one after another, each sent when the last is answered: latencies in ms. */
    private static List<Double> closedLoop(int port, int count) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .timeout(Duration.ofSeconds(10)).build();
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            ms.add((System.nanoTime() - start) / 1e6);
        }
        return ms;
    }

    /**
     * Answers 200 at once, except that from its {@code stallAt}-th request on it holds every request for
     * {@code stall}, then answers them all and goes on answering at once: one stall of the whole server, on a timer
     * of its event loop (nothing sleeps).
     */
    private static final class StallingServer {

        private final HttpServer server;
        private final List<HttpServerRequest> held = new ArrayList<>();
        private int seen;
        private boolean stalling;
        private boolean stalled;

        private StallingServer(Vertx vertx, int stallAt, Duration stall) {
            server = vertx.createHttpServer().requestHandler(request -> {
                synchronized (this) {
                    seen++;
                    if (seen == stallAt) {
                        stalling = true;
                        stalled = true;
                        vertx.setTimer(stall.toMillis(), id -> release());
                    }
                    if (stalling) {
                        held.add(request);
                        return;
                    }
                }
                request.response().end("ok");
            });
        }

        static StallingServer start(Vertx vertx, int stallAt, Duration stall) throws Exception {
            StallingServer s = new StallingServer(vertx, stallAt, stall);
            s.server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            return s;
        }

        private void release() {
            List<HttpServerRequest> answer;
            synchronized (this) {
                stalling = false;
                answer = new ArrayList<>(held);
                held.clear();
            }
            answer.forEach(request -> request.response().end("ok"));
        }

        synchronized boolean stalled() {
            return stalled;
        }

        int port() {
            return server.actualPort();
        }

        void close() throws Exception {
            server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
