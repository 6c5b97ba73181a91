package dev.jobgateway.lambda;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToLongFunction;

import dev.jobgateway.lambda.ColdStarts.Comparison;
import dev.jobgateway.lambda.ColdStarts.Sample;

/**
 * Cold starts of two unpacked {@code function.zip}s of the gateway side by side (e.g. before and after a change),
 * under AWS's runtime interface client as {@link LambdaRuntimeContractIT} runs them ({@link ColdStarts}): process
 * start to the answer of the first event ({@code GET /q/health/ready}), the two artifacts alternating so that the
 * machine's load weighs on both alike. Prints each run and the medians.
 *
 * <pre>
 * java -cp target/test-classes:target/classes:$(cat cp.txt) dev.jobgateway.lambda.ColdStartComparison \
 *     /tmp/before-task-root /tmp/after-task-root target/lambda-runtime-client 7
 * </pre>
 */
public final class ColdStartComparison {

    private ColdStartComparison() {
    }

    public static void main(String[] args) throws Exception {
        Path before = Path.of(args[0]);
        Path after = Path.of(args[1]);
        Path runtimeClient = Path.of(args[2]);
        int runs = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        Comparison comparison;
        try (ColdStarts starts = ColdStarts.start(runtimeClient, Files.createTempDirectory("cold-start"))) {
            comparison = starts.alternate(starts.gatewayHealth("before", before), starts.gatewayHealth("after", after),
                    runs, (i, s) -> System.out.printf("run %d: before %d ms (%d ms CPU), after %d ms (%d ms CPU)%n",
                            i + 1, s[0].wallMs(), s[0].cpuMs(), s[1].wallMs(), s[1].cpuMs()));
        }
        print("", comparison, Sample::wallMs);
        // CPU spent by the process until its first answer: steadier than wall time on a shared machine.
        print("CPU ", comparison, Sample::cpuMs);
    }

    private static void print(String what, Comparison comparison, ToLongFunction<Sample> figure) {
        long medianBefore = Comparison.median(comparison.first(), figure);
        long medianAfter = Comparison.median(comparison.second(), figure);
        System.out.printf("%sbefore: %s, median %d ms%n%safter:  %s, median %d ms%n%safter/before: %.3f%n", what,
                values(comparison.first(), figure), medianBefore, what, values(comparison.second(), figure),
                medianAfter, what, (double) medianAfter / medianBefore);
    }

    private static List<Long> values(List<Sample> samples, ToLongFunction<Sample> figure) {
        return samples.stream().map(s -> figure.applyAsLong(s)).toList();
    }
}
