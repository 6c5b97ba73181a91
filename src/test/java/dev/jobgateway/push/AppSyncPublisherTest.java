package dev.jobgateway.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.metrics.Meters.PushResult;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The publisher against {@link AppSyncStandIn}, which checks each signature with the AWS SDK's own signer: a publish
 * signed with the right credentials is taken, one signed with others is refused, and a missing answer or missing
 * credentials end as a failure, never as an exception.
 */
class AppSyncPublisherTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private AppSyncStandIn appSync;

    @BeforeEach
    void startTheStandIn() throws Exception {
        appSync = new AppSyncStandIn();
    }

    @AfterEach
    void stop() {
        appSync.close();
    }

    @Test
    void publishesTheEventToTheChannelWithAValidSignature() throws Exception {
        AppSyncPublisher publisher = publisher("", credentials(AppSyncStandIn.SECRET_KEY), Duration.ofSeconds(3));

        PushResult result = publisher.publish("/jobs/jobAbc", "{\"id\":\"job_x\",\"version\":3}").get();

        assertThat(result).isEqualTo(PushResult.PUBLISHED);
        JsonNode body = appSync.published().get(0);
        assertThat(body.path("channel").asText()).isEqualTo("/jobs/jobAbc");
        assertThat(body.path("events")).hasSize(1);
        assertThat(JSON.readTree(body.path("events").get(0).asText()).path("version").asInt()).isEqualTo(3);
    }

    @Test
    void aSignatureWithOtherCredentialsIsRefused() throws Exception {
        AppSyncPublisher publisher = publisher("", credentials("not-the-secret-key-00000000000000000000"),
                Duration.ofSeconds(3));

        assertThat(publisher.publish("/jobs/jobAbc", "{}").get()).isEqualTo(PushResult.REFUSED);
        assertThat(appSync.published()).isEmpty();
        assertThat(appSync.refused()).isEqualTo(1);
    }

    @Test
    void noAnswerWithinTheBoundIsAFailureNotAnException() throws Exception {
        AppSyncPublisher publisher = publisher("/slow", credentials(AppSyncStandIn.SECRET_KEY), Duration.ofMillis(300));

        assertThat(publisher.publish("/jobs/jobAbc", "{}").get()).isEqualTo(PushResult.FAILED);
    }

    @Test
    void missingCredentialsAreAFailureNotAnException() throws Exception {
        AppSyncPublisher publisher = publisher("", () -> {
            throw new IllegalStateException("no credentials here");
        }, Duration.ofSeconds(3));

        assertThat(publisher.publish("/jobs/jobAbc", "{}").get()).isEqualTo(PushResult.FAILED);
    }

    @Test
    void theEndpointIsTheHttpDomainsEventPathAndTheRegionComesFromSettingsEnvironmentOrDomain() {
        assertThat(AppSyncPublisher.endpoint("abc.appsync-api.eu-west-1.amazonaws.com"))
                .isEqualTo(URI.create("https://abc.appsync-api.eu-west-1.amazonaws.com/event"));
        assertThat(AppSyncPublisher.endpoint("http://127.0.0.1:9/")).isEqualTo(URI.create("http://127.0.0.1:9/event"));
        assertThat(PushPublisher.region(Optional.empty(), null, "abc.appsync-api.eu-west-1.amazonaws.com"))
                .contains("eu-west-1");
        assertThat(PushPublisher.region(Optional.empty(), "us-east-2", "abc.appsync-api.eu-west-1.amazonaws.com"))
                .contains("us-east-2");
        assertThat(PushPublisher.region(Optional.of("ap-south-1"), "us-east-2", "push.example.com"))
                .contains("ap-south-1");
        assertThat(PushPublisher.region(Optional.empty(), null, "push.example.com")).isEmpty();
    }

    private static AwsCredentialsProvider credentials(String secret) {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(AppSyncStandIn.ACCESS_KEY, secret));
    }

    private AppSyncPublisher publisher(String path, AwsCredentialsProvider credentials, Duration bound) {
        return new AppSyncPublisher(AppSyncPublisher.endpoint(appSync.domain() + path), AppSyncStandIn.REGION,
                credentials, bound, Executors.newCachedThreadPool(), JSON);
    }

    /*
     * Quarkus' SnapStart class preloading initialises every gateway class at every Lambda start, push on or off: the
     * publisher's class must not pull in the SDK's signer there (docs/deploy.md, cold start).
     */
    @Test
    void initialisingThePublishersClassLoadsNoSigner() throws Exception {
        try (RecordingClassLoader loader = new RecordingClassLoader()) {
            Class.forName(AppSyncPublisher.class.getName(), true, loader);

            assertThat(loader.loaded).contains(AppSyncPublisher.class.getName())
                    .noneMatch(name -> name.startsWith("software.amazon.awssdk.http.auth."));
        }
    }

    /** Loads the test's class path itself (JDK classes from the platform), recording each class it defines. */
    private static final class RecordingClassLoader extends URLClassLoader {

        final List<String> loaded = new CopyOnWriteArrayList<>();

        RecordingClassLoader() throws Exception {
            super(classPath(), ClassLoader.getPlatformClassLoader());
        }

        private static URL[] classPath() throws Exception {
            List<URL> urls = new ArrayList<>();
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                urls.add(Path.of(entry).toUri().toURL());
            }
            return urls.toArray(URL[]::new);
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            Class<?> found = super.findClass(name);
            loaded.add(name);
            return found;
        }
    }
}
