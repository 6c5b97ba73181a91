package dev.jobgateway.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;

class CommandWindowTest {

    @Test
    void commandsBeyondTheWindowWaitTheirTurnInOrder() throws Exception {
        CommandWindow window = new CommandWindow(2, 10);
        List<CompletableFuture<String>> connection = new ArrayList<>();
        List<String> started = new ArrayList<>();
        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String name = "c" + i;
            answers.add(window.run(() -> {
                started.add(name);
                CompletableFuture<String> reply = new CompletableFuture<>();
                connection.add(reply);
                return Uni.createFrom().completionStage(reply);
            }).subscribeAsCompletionStage());
        }
        assertThat(started).containsExactly("c0", "c1");
        assertThat(window.queued()).isEqualTo(3);

        connection.get(0).complete("a0");
        connection.get(1).completeExceptionally(new IllegalStateException("an error reply"));
        assertThat(started).containsExactly("c0", "c1", "c2", "c3");
        connection.get(2).complete("a2");
        connection.get(3).complete("a3");
        connection.get(4).complete("a4");

        assertThat(answers.get(0).get(1, TimeUnit.SECONDS)).isEqualTo("a0");
        assertThat(answers.get(1)).isCompletedExceptionally();
        assertThat(answers.get(4).get(1, TimeUnit.SECONDS)).isEqualTo("a4");
        assertThat(window.inFlight()).isZero();
    }

    @Test
    void aCommandBeyondTheQueueIsRefusedAsUnavailable() {
        CommandWindow window = new CommandWindow(1, 1);
        window.run(() -> Uni.createFrom().<String> nothing()).subscribe().with(item -> {
        });
        window.run(() -> Uni.createFrom().<String> nothing()).subscribe().with(item -> {
        });

        assertThatThrownBy(() -> window.run(() -> Uni.createFrom().item("never sent")).await()
                .atMost(Duration.ofSeconds(1))).isInstanceOf(StoreUnavailableException.class)
                .satisfies(failure -> assertThat(StoreErrors.isUnavailable(failure)).isTrue());
    }

    /** A caller that gives up while waiting for its turn (a timeout) leaves the queue; its command is never sent. */
    @Test
    void aCallerThatStopsWaitingLeavesTheQueue() throws Exception {
        CommandWindow window = new CommandWindow(1, 10);
        CompletableFuture<String> first = new CompletableFuture<>();
        window.run(() -> Uni.createFrom().completionStage(first)).subscribe().with(item -> {
        });
        AtomicInteger sent = new AtomicInteger();
        CompletableFuture<String> impatient = window.run(() -> {
            sent.incrementAndGet();
            return Uni.createFrom().item("late");
        }).ifNoItem().after(Duration.ofMillis(50)).fail().subscribeAsCompletionStage();
        assertThatThrownBy(() -> impatient.get(1, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        assertThat(window.queued()).isZero();

        first.complete("done");
        assertThat(sent).hasValue(0);
        assertThat(window.inFlight()).isZero();
    }

    /** Thousands of queued commands that fail at once (a connect that failed) are handed over without recursion. */
    @Test
    void aLongQueueOfCommandsThatFailAtOnceDrainsWithoutOverflowingTheStack() throws Exception {
        CommandWindow window = new CommandWindow(1, 50_000);
        CompletableFuture<String> first = new CompletableFuture<>();
        window.run(() -> Uni.createFrom().completionStage(first)).subscribe().with(item -> {
        }, failure -> {
        });
        List<CompletableFuture<String>> failing = new ArrayList<>();
        for (int i = 0; i < 40_000; i++) {
            failing.add(window.run(() -> Uni.createFrom().<String> failure(new IllegalStateException("refused")))
                    .subscribeAsCompletionStage());
        }
        first.complete("done");

        assertThat(failing).allMatch(CompletableFuture::isCompletedExceptionally);
        assertThat(window.inFlight()).isZero();
        assertThat(window.queued()).isZero();
    }
}
