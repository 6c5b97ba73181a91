package dev.jobgateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * docs/operations.md lists every meter under its Prometheus and CloudWatch names with its tags, and the Grafana
 * dashboard in deploy/ queries only meters that exist.
 */
class MeterCatalogueTest {

    @Test
    void everyMeterIsInTheOperationsTableWithItsNamesAndTags() throws Exception {
        String doc = Files.readString(Path.of("docs/operations.md"));
        for (Meter meter : Meter.values()) {
            String row = doc.lines().filter(line -> line.startsWith("| `" + prometheusName(meter) + "`"))
                    .findFirst().orElseThrow(() -> new AssertionError(meter + " not in docs/operations.md"));
            if (meter.emfName() != null) {
                assertThat(row).contains("`" + meter.emfName() + "`", "| " + meter.unit() + " |");
            }
            meter.tags().forEach(tag -> assertThat(row).as("%s tag %s", meter, tag).contains(tag));
        }
    }

    @Test
    void theDashboardQueriesOnlyMetersThatExist() throws Exception {
        String dashboard = Files.readString(Path.of("deploy/grafana-dashboard.json"));
        Set<String> known = new TreeSet<>();
        for (Meter meter : Meter.values()) {
            String name = prometheusName(meter);
            known.add(name);
            if (name.endsWith("_seconds")) {
                known.add(name + "_bucket");
                known.add(name + "_count");
                known.add(name + "_sum");
            }
        }
        Matcher used = Pattern.compile("gateway_[a-z_]+").matcher(dashboard);
        Set<String> queried = new TreeSet<>();
        while (used.find()) {
            queried.add(used.group());
        }
        assertThat(queried).isNotEmpty();
        assertThat(known).containsAll(queried);
    }

    /** Micrometer's Prometheus naming: dots to underscores, {@code _total} for counts, {@code _seconds} for timers. */
    static String prometheusName(Meter meter) {
        String base = meter.micrometerName().replace('.', '_');
        boolean gauge = meter == Meter.MISSING_WEBHOOK_RATIO || meter == Meter.WAITERS_HELD
                || meter == Meter.SWEEPER_OVERDUE;
        if (gauge) {
            return base;
        }
        return "Milliseconds".equals(meter.unit()) ? base + "_seconds" : base + "_total";
    }
}
