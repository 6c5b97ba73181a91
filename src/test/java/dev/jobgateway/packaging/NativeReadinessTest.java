package dev.jobgateway.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.jobgateway.job.Job;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What a native executable needs and no JVM test notices: every type Jackson reads or writes by reflection is
 * registered for it, our code loads no class by name, and every resource it reads at run time is included. (The
 * native build itself cannot run on the machines this project is built on; see docs/deploy.md.)
 */
class NativeReadinessTest {

    /** Records that never cross the wire as JSON: internal values, not DTOs. */
    private static final Set<String> INTERNAL_RECORDS = Set.of(
            "dev.jobgateway.api.Cancellation",
            // the event holds its JSON already written; the decision is the subscribe verdict, never JSON
            "dev.jobgateway.push.JobEvent",
            "dev.jobgateway.push.SubscribeDecisions$Decision",
            "dev.jobgateway.job.CheckSchedule$Due",
            "dev.jobgateway.job.CheckSchedule$Lease",
            "dev.jobgateway.api.HeldVersions",
            "dev.jobgateway.api.SubmitRequests$SubmitRequest",
            "dev.jobgateway.api.TimelinePage",
            "dev.jobgateway.api.Submission",
            "dev.jobgateway.api.WaitRequest",
            "dev.jobgateway.auth.ApiKeys$Holder",
            "dev.jobgateway.auth.ReadTokens$Grant",
            "dev.jobgateway.auth.ReadTokens$Minted",
            "dev.jobgateway.fallback.LearnedChecks",
            "dev.jobgateway.fallback.Reconciler$Answer",
            "dev.jobgateway.fallback.Reconciler$Reconciled",
            "dev.jobgateway.outputs.OutputCopier$Attempt",
            "dev.jobgateway.job.OutputFiles$Planned",
            "dev.jobgateway.outputs.SourceFetcher$Source",
            "dev.jobgateway.outputs.DataUrl",
            "dev.jobgateway.outputs.PinnedHttp$Response",
            "dev.jobgateway.job.Arrival$Poll",
            "dev.jobgateway.job.Arrival$Webhook",
            "dev.jobgateway.job.DurationHistory$Cached",
            "dev.jobgateway.job.IdempotencyStore$Claim",
            "dev.jobgateway.job.NewJob",
            "dev.jobgateway.job.Report",
            "dev.jobgateway.job.StoredJob",
            "dev.jobgateway.job.Transition",
            "dev.jobgateway.job.TransitionResult",
            "dev.jobgateway.job.TransitionResult$Before",
            "dev.jobgateway.job.TransitionScript$Reply",
            "dev.jobgateway.fallback.DueRule",
            "dev.jobgateway.fallback.DueRule$Checking",
            "dev.jobgateway.fallback.DueRule$Facts",
            "dev.jobgateway.job.WebhookGuard",
            "dev.jobgateway.providers.CancelAttempt",
            "dev.jobgateway.providers.Handoff",
            "dev.jobgateway.providers.Order",
            "dev.jobgateway.providers.PollCadence",
            "dev.jobgateway.providers.ProviderJob",
            "dev.jobgateway.providers.WebhookRequest",
            "dev.jobgateway.providers.InboundWebhook",
            "dev.jobgateway.providers.Retries$Policy",
            "dev.jobgateway.providers.cog.CogHealth",
            "dev.jobgateway.providers.fal.FalUrls",
            "dev.jobgateway.providers.runpod.RunPodError",
            "dev.jobgateway.providers.ProviderHttp$Answer",
            "dev.jobgateway.api.SubmitJobs$Request",
            "dev.jobgateway.devservices.simulator.SimulationPlan",
            "dev.jobgateway.devservices.simulator.SimWebhook",
            "dev.jobgateway.devservices.simulator.SimulatedAiServer$Settings");

    @Test
    void everyRecordThatIsJsonAndEveryEnumWithJacksonAnnotationsIsRegisteredForReflection() throws Exception {
        Set<String> unregistered = new TreeSet<>();
        for (Class<?> type : applicationClasses()) {
            boolean json = (type.isRecord() && !INTERNAL_RECORDS.contains(type.getName()))
                    || (type.isEnum() && hasJacksonAnnotation(type));
            if (json && !type.isAnnotationPresent(RegisterForReflection.class)) {
                unregistered.add(type.getName());
            }
        }
        assertThat(unregistered)
                .as("add @RegisterForReflection (or list a record that is never JSON in INTERNAL_RECORDS)")
                .isEmpty();
    }

    @Test
    void ourCodeLoadsNoClassByNameAndBuildsNoProxy() throws IOException {
        Set<String> offenders = new TreeSet<>();
        try (Stream<Path> sources = Files.walk(Path.of(System.getProperty("user.dir"), "src/main/java"))) {
            for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                String text = Files.readString(source);
                for (String call : List.of("Class.forName(", ".loadClass(", "Proxy.newProxyInstance(",
                        "getDeclaredMethod(", "getDeclaredField(", "ServiceLoader.load(")) {
                    if (text.contains(call)) {
                        offenders.add(source.getFileName() + ": " + call);
                    }
                }
            }
        }
        assertThat(offenders).isEmpty();
    }

    @Test
    void everyLuaScriptIsIncludedAsANativeResource() throws IOException {
        Properties config = new Properties();
        try (InputStream in = getClass().getResourceAsStream("/application.properties")) {
            config.load(in);
        }
        String includes = config.getProperty("quarkus.native.resources.includes", "");
        Path resources = Path.of(System.getProperty("user.dir"), "src/main/resources");
        try (Stream<Path> scripts = Files.walk(resources.resolve("store"))) {
            for (Path script : scripts.filter(Files::isRegularFile).toList()) {
                String resource = resources.relativize(script).toString().replace('\\', '/');
                boolean included = Stream.of(includes.split(",")).map(String::trim)
                        .anyMatch(glob -> script.getFileSystem().getPathMatcher("glob:" + glob)
                                .matches(Path.of(resource)));
                assertThat(included).as(resource + " in quarkus.native.resources.includes").isTrue();
            }
        }
    }

    private static boolean hasJacksonAnnotation(Class<?> type) {
        if (jackson(type)) {
            return true;
        }
        for (Method method : type.getDeclaredMethods()) {
            if (jackson(method)) {
                return true;
            }
        }
        if (type.isRecord()) {
            for (RecordComponent component : type.getRecordComponents()) {
                if (jackson(component)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean jackson(AnnotatedElement element) {
        for (Annotation annotation : element.getAnnotations()) {
            if (annotation.annotationType().getName().startsWith("com.fasterxml.jackson")) {
                return true;
            }
        }
        return false;
    }

    /** Every class compiled from src/main/java (the application, not its libraries). */
    private static List<Class<?>> applicationClasses() throws IOException, URISyntaxException {
        Path classes = Path.of(Job.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (Stream<Path> files = Files.walk(classes)) {
            return files.filter(p -> p.toString().endsWith(".class"))
                    .map(p -> classes.relativize(p).toString().replace('/', '.').replaceAll("\\.class$", ""))
                    .filter(name -> name.startsWith("dev.jobgateway."))
                    .map(NativeReadinessTest::load)
                    .toList();
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, NativeReadinessTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }
}
