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
 * The packaged artifacts carry the gateway and nothing of the dev/test tooling: no Redis binary, no class of
 * {@code dev.jobgateway.devservices} (the local Redis launcher and the simulated AI server), and so no bean of theirs
 * that a configuration could switch on. Checked on the Lambda {@code function.zip} and on the plain-HTTP jar.
 */
class LambdaPackageIT {

    private static final String DEV_SERVICES = "dev/jobgateway/devservices/";
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

    /** No class of devservices/: pom.xml's dev-only-entries step lists them all as entries the package leaves out. */
    @Test
    void containsNoDevServicesClass() {
        assertThat(entries).filteredOn(name -> name.startsWith(DEV_SERVICES) && name.endsWith(".class"))
                .as("dev-only classes packaged: see pom.xml's dev-only-entries step").isEmpty();
    }

    @Test
    void thePlainHttpJarContainsNoDevServicesClass() throws IOException {
        Path jar = Path.of(System.getProperty("project.build.directory", "target"), "http", "quarkus-app", "app",
                "job-gateway-0.1.0-SNAPSHOT.jar");
        assertThat(jar).as("built for the integration tests").exists();
        try (ZipFile file = new ZipFile(jar.toFile())) {
            List<String> classes = file.stream().map(ZipEntry::getName).toList();
            assertThat(classes).anyMatch(name -> name.endsWith("dev/jobgateway/job/JobStore.class"));
            assertThat(classes).filteredOn(name -> name.startsWith(DEV_SERVICES) && name.endsWith(".class"))
                    .as("dev-only classes packaged: see pom.xml's dev-only-entries step").isEmpty();
        }
    }

    @Test
    void registersNoSimulatorAndNoLocalRedisBean() {
        assertThat(entries)
                .noneMatch(name -> name.contains("SimulatorLauncher_") || name.contains("SimulatedAiServer_"));
        assertThat(entries).noneMatch(name -> name.contains("LocalRedisProvider_"));
    }
}
