package dev.jobgateway;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The package rules of the production code, read from its bytecode. The core is {@code platform} (configuration,
 * errors, the Redis connection, the clock), {@code metrics} (the meters everything counts with) and {@code job} (the
 * job, its state machine and store, and {@code Reports}, the one door to a change); every other package under
 * {@code dev.jobgateway} is a feature (api, auth, webhook, providers, outputs, waiting, fallback, operations,
 * devservices, and any new one), which may use the core and other features, never the other way round. A new package
 * needs no entry here: it is a feature, held by the same rules.
 */
class ArchitectureTest {

    private static final String PLATFORM = "dev.jobgateway.platform..";
    private static final String METRICS = "dev.jobgateway.metrics..";
    private static final String JOB = "dev.jobgateway.job..";
    private static final String GATEWAY = "dev.jobgateway..";

    /** The job store: the only code that knows the layout of a job's keys and runs the state machine's scripts. */
    private static final String[] STORE = { "dev.jobgateway.job.JobStore", "dev.jobgateway.job.Keys" };

    /**
     * Where Redis may be talked to: the store (job), its connection (platform), the delivery statistics (metrics),
     * the change feed's subscription (waiting) and the local Redis of dev mode (devservices).
     */
    private static final String[] REDIS_USERS = { JOB, PLATFORM, METRICS, "dev.jobgateway.waiting..",
            "dev.jobgateway.devservices.." };

    private static JavaClasses production;

    @BeforeAll
    static void importProductionClasses() {
        production = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.jobgateway");
    }

    @Test
    void noPackageUnderTheGatewayDependsOnItselfThroughAnother() {
        slices().matching("dev.jobgateway.(*)..").should().beFreeOfCycles().check(production);
    }

    @Test
    void thePlatformUsesNoOtherPackageOfTheGateway() {
        noClasses().that().resideInAPackage(PLATFORM).should().dependOnClassesThat(
                resideInAPackage(GATEWAY).and(not(resideInAPackage(PLATFORM)))).check(production);
    }

    @Test
    void theMetricsUseOnlyThePlatform() {
        noClasses().that().resideInAPackage(METRICS).should().dependOnClassesThat(
                resideInAPackage(GATEWAY).and(not(resideInAnyPackage(METRICS, PLATFORM)))).check(production);
    }

    @Test
    void theJobCoreUsesNoFeaturePackage() {
        noClasses().that().resideInAPackage(JOB).should().dependOnClassesThat(
                resideInAPackage(GATEWAY).and(not(resideInAnyPackage(JOB, METRICS, PLATFORM)))).check(production);
    }

    @Test
    void noProviderPackageUsesAnother() {
        slices().matching("dev.jobgateway.providers.(*)..").should().notDependOnEachOther().check(production);
    }

    @Test
    void nothingOutsideTheJobPackageTouchesTheStore() {
        noClasses().that().resideOutsideOfPackage(JOB).should().dependOnClassesThat()
                .haveFullyQualifiedName(STORE[0]).orShould().dependOnClassesThat().haveFullyQualifiedName(STORE[1])
                .check(production);
    }

    @Test
    void redisIsTalkedToOnlyByTheStoreAndThePartsThatOwnKeysOfTheirOwn() {
        noClasses().that().resideOutsideOfPackages(REDIS_USERS).should().dependOnClassesThat()
                .resideInAnyPackage("io.quarkus.redis..", "io.vertx.redis..", "io.vertx.mutiny.redis..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("dev.jobgateway.platform.RedisScript")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("dev.jobgateway.platform.SharedConnection")
                .check(production);
    }
}
