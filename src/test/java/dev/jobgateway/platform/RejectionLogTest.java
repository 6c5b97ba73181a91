package dev.jobgateway.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

/** A flood of refusals for one reason writes one line, and the next line after the interval says how many. */
class RejectionLogTest {

    @Test
    void aFloodOfOneReasonIsLoggedOnceAndOtherReasonsStillGetTheirLine() {
        String name = "rejection-log-test-" + System.nanoTime();
        List<String> lines = new ArrayList<>();
        java.util.logging.Logger.getLogger(name).addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        Logger log = Logger.getLogger(name);

        for (int i = 0; i < 1_000; i++) {
            RejectionLog.info(log, name + ":unknown key", "API request rejected: unknown key API key");
        }
        RejectionLog.info(log, name + ":missing", "API request rejected: missing API key");

        assertThat(lines).hasSize(2);
    }
}
