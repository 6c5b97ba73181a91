package dev.jobgateway.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Lambda {@code function.zip} that {@code ./mvnw package} builds carries the gateway and nothing of the
 * dev/test tooling: no Redis binary, and no simulator or local-Redis bean (their classes are compiled in, but the
 * production build registers no bean for them, so no configuration can switch them on).
 */
class LambdaPackageIT {

    private static List<String> entries;

    @BeforeAll
    static void readZip() throws IOException {
        Path zip = Path.of(System.getProperty("project.build.directory", "target"), "function.zip");
        assertThat(zip).as("built by the package phase").exists();
        try (ZipFile file = new ZipFile(zip.toFile())) {
            entries = file.stream().map(ZipEntry::getName).toList();
        }
        assertThat(Files.size(zip)).isLessThan(50L * 1024 * 1024);
    }

    @Test
    void containsTheGatewayBeans() {
        Assumptions.assumeFalse(entries.contains("bootstrap"), "a native function.zip holds no classes");
        assertThat(entries).anyMatch(name -> name.endsWith("dev/jobgateway/job/JobStore_Bean.class"));
        assertThat(entries).anyMatch(name -> name.endsWith("dev/jobgateway/webhook/WebhookService_Bean.class"));
    }

    @Test
    void containsNoRedisServerBinaryOrEmbeddedRedisJar() {
        assertThat(entries).noneMatch(name -> name.contains("redis-server"));
        assertThat(entries).noneMatch(name -> name.contains("embedded-redis"));
    }

    @Test
    void registersNoSimulatorAndNoLocalRedisBean() {
        assertThat(entries).noneMatch(name -> name.contains("SimulatorLauncher_") || name.contains("SimulatedAiServer_"));
        assertThat(entries).noneMatch(name -> name.contains("LocalRedisProvider_"));
    }
}
