package dev.jobgateway.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.jobgateway.lambda.ColdStarts;
import dev.jobgateway.lambda.ColdStarts.Comparison;
import dev.jobgateway.lambda.ColdStarts.Function;
import dev.jobgateway.lambda.ColdStarts.Sample;

/**
 * Scenario: the Lambda cold start of the gateway's {@code function.zip} against a bare
 * {@code quarkus-amazon-lambda-http} app's ({@code bench/bare-lambda}, one GET resource answering a small JSON),
 * both built the same way and started the same way: unpacked as a task root under AWS's runtime interface client
 * ({@link ColdStarts}), timed from the process start to the answer of the first API Gateway 2.0 event. The gateway's
 * first event is a status read with an API key (one Redis round trip on a fresh connection; a 404 for a job that does
 * not exist), the bare app's its GET. One warm-up each, then alternating starts; the ratio is of the medians. One more
 * start of each with {@code -Xlog:class+load} counts the classes loaded up to the first answer (not timed: the
 * logging slows the start).
 *
 * <p>
 * Runs alone too ({@link #main}), without the rest of the benchmark.
 */
final class LambdaColdStartScenario {

    /** Rounds after the warm-up; {@code -Dbench.lambda.runs} for a quicker look (the results file uses 7). */
    static final int RUNS = Integer.getInteger("bench.lambda.runs", 7);
    private static final Pattern CLASS_LOADED = Pattern.compile(
            "^\\[[^\\]]*\\]\\[info\\]\\[class,load\\] (\\S+) source: (.*)$",
            Pattern.MULTILINE);

    private final Path gatewayZip;
    private final Path bareZip;
    private final Path runtimeClient;
    private final Path work;
    private final Results results;

    LambdaColdStartScenario(Path gatewayZip, Path bareZip, Path runtimeClient, Path work, Results results) {
        this.gatewayZip = gatewayZip;
        this.bareZip = bareZip;
        this.runtimeClient = runtimeClient;
        this.work = work;
        this.results = results;
    }

    /** The artifacts where bench/run.sh builds them: target/function.zip, bench/bare-lambda/target/function.zip. */
    static LambdaColdStartScenario fromSystemProperties(Path work, Results results) {
        LambdaArtifacts artifacts = LambdaArtifacts.fromSystemProperties();
        return new LambdaColdStartScenario(artifacts.gatewayZip(), artifacts.bareZip(), artifacts.runtimeClient(),
                work, results);
    }

    void run() throws Exception {
        Path root = work.resolve("lambda-cold-start");
        Path gatewayRoot = ColdStarts.unpack(gatewayZip, root.resolve("gateway-task"));
        Path bareRoot = ColdStarts.unpack(bareZip, root.resolve("bare-task"));
        results.put("lambda_function_zip_bytes_gateway_bare", Files.size(gatewayZip) + " / " + Files.size(bareZip));
        try (ColdStarts starts = ColdStarts.start(runtimeClient, root.resolve("logs"))) {
            Function gateway = starts.gatewayStatusRead("gateway", gatewayRoot);
            Function bare = ColdStarts.plainGet("bare", bareRoot, "/hello");
            Comparison comparison = starts.alternate(gateway, bare, RUNS, (i, s) -> System.out.printf(
                    "lambda cold start %d: gateway %d ms (%d ms CPU), bare %d ms (%d ms CPU)%n", i + 1,
                    s[0].wallMs(), s[0].cpuMs(), s[1].wallMs(), s[1].cpuMs()));
            results.put("lambda_cold_start_runs", Integer.toString(RUNS));
            put("wall_ms", comparison, Sample::wallMs);
            put("cpu_ms", comparison, Sample::cpuMs);
            put("quarkus_boot_ms", comparison, Sample::bootMs);
            results.put("ratio_lambda_cold_start_gateway_to_bare", ratio(comparison, Sample::wallMs));
            results.put("ratio_lambda_cold_start_cpu_gateway_to_bare", ratio(comparison, Sample::cpuMs));
            results.put("lambda_cold_start_classes_loaded_gateway", classesLoaded(starts, gateway));
            results.put("lambda_cold_start_classes_loaded_bare", classesLoaded(starts, bare));
        }
    }

    private void put(String figure, Comparison comparison, ToLongFunction<Sample> value) {
        results.put("lambda_cold_start_" + figure + "_gateway_runs", show(comparison.first(), value));
        results.put("lambda_cold_start_" + figure + "_bare_runs", show(comparison.second(), value));
        results.put("lambda_cold_start_" + figure + "_gateway_median",
                Long.toString(Comparison.median(comparison.first(), value)));
        results.put("lambda_cold_start_" + figure + "_bare_median",
                Long.toString(Comparison.median(comparison.second(), value)));
    }

    private static String ratio(Comparison comparison, ToLongFunction<Sample> value) {
        return String.format(Locale.ROOT, "%.3fx", (double) Comparison.median(comparison.first(), value)
                / Comparison.median(comparison.second(), value));
    }

    /**
     * Classes loaded up to the first answer, in all and by where they came from: the JDK, the task root's lib/
     * (Quarkus, the gateway's libraries), the app's own classes, classes Quarkus generated (loaded by its class
     * loader with no jar as the source), and the runtime interface client.
     */
    private String classesLoaded(ColdStarts starts, Function function) throws Exception {
        Path log = work.resolve("lambda-cold-start").resolve("class-load-" + function.name() + ".txt").toAbsolutePath();
        Files.deleteIfExists(log);
        starts.coldStart(function.withEnv(Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + log)),
                "class-load-" + function.name());
        Matcher loaded = CLASS_LOADED.matcher(Files.readString(log));
        int total = 0;
        int jdk = 0;
        int lib = 0;
        int ric = 0;
        int other = 0;
        while (loaded.find()) {
            total++;
            String source = loaded.group(2);
            if (source.startsWith("jrt:") || source.startsWith("shared objects file")) {
                jdk++;
            } else if (source.contains("/lib/")) {
                lib++;
            } else if (source.contains("lambda-runtime-client") || source.contains("aws-lambda-java")) {
                ric++;
            } else {
                other++;
            }
        }
        return total + " (JDK " + jdk + ", task root lib/ " + lib + ", runtime client " + ric
                + ", app and generated " + other + ")";
    }

    private static String show(List<Sample> samples, ToLongFunction<Sample> value) {
        return samples.stream().map(s -> Long.toString(value.applyAsLong(s))).toList().toString();
    }

    /**
     * Only this scenario: {@code java -cp ... dev.jobgateway.bench.LambdaColdStartScenario [work dir]}, with the
     * artifacts built (see bench/run.sh) and optionally {@code -Dbench.lambda.zip=...},
     * {@code -Dbench.lambda.bare-zip=...}, {@code -Dbench.lambda.runtime-client=...}; prints the figures.
     */
    public static void main(String[] args) throws Exception {
        Path work = Path.of(args.length > 0 ? args[0] : "target/bench");
        Files.createDirectories(work);
        Results results = new Results();
        fromSystemProperties(work, results).run();
        results.figures().forEach((name, value) -> System.out.println(name + ": " + value));
        System.exit(0);
    }
}
