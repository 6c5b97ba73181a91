package dev.jobgateway.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * JDK Flight Recorder on a running gateway (started and stopped with {@code jcmd}, the {@code profile} settings), and
 * a summary of its CPU samples for the results file: where the time goes by library (the top frame's package) and the
 * hottest methods, so that a missed target comes with what bounds it in that very run.
 */
final class Profiler {

    /** Libraries by package prefix, most specific first; the first that matches a frame names it. */
    private static final Map<String, String> LIBRARIES = libraries();

    private final long pid;
    private final Path file;
    private final String name;

    private Profiler(long pid, Path file, String name) {
        this.pid = pid;
        this.file = file;
        this.name = name;
    }

    /**
     * CPU samples only, every millisecond: the built-in {@code profile} settings sample every 10 ms, which gave fewer
     * than a hundred samples of a 5 s run here (threads in native code, e.g. epoll and socket writes, are not
     * sampled as Java execution).
     */
    private static final String SETTINGS = """
            <?xml version="1.0" encoding="UTF-8"?>
            <configuration version="2.0" label="bench" description="CPU samples for the benchmark's profiles">
              <event name="jdk.ExecutionSample"><setting name="enabled">true</setting>
                <setting name="period">1 ms</setting></event>
              <event name="jdk.NativeMethodSample"><setting name="enabled">true</setting>
                <setting name="period">5 ms</setting></event>
            </configuration>
            """;

    static Profiler start(long pid, Path work, String name) throws Exception {
        Path file = work.resolve(name + ".jfr").toAbsolutePath();
        Path settings = work.resolve("bench.jfc").toAbsolutePath();
        Files.writeString(settings, SETTINGS);
        Files.deleteIfExists(file);
        jcmd(pid, "JFR.start", "name=" + name, "settings=" + settings, "filename=" + file);
        return new Profiler(pid, file, name);
    }

    /**
     * Stops the recording, adds its summary to the results' profiles and, as {@code profile_<name>_own_code_share},
     * the share of CPU samples with the gateway's own code on the stack (the rest is the libraries and the JDK).
     */
    void stop(String title, Results results) throws Exception {
        jcmd(pid, "JFR.stop", "name=" + name);
        Summary summary = summary(title, file);
        results.addProfile(summary.markdown());
        results.put("profile_" + name.replace('-', '_') + "_own_code_share", summary.ownShare());
    }

    record Summary(String markdown, String ownShare) {
    }

    private static void jcmd(long pid, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid)));
        command.addAll(List.of(args));
        String out = Exec.run(command);
        if (out.contains("Could not") || out.contains("Exception")) {
            throw new IllegalStateException(String.join(" ", command) + ": " + out);
        }
    }

    static Summary summary(String title, Path file) throws Exception {
        Map<String, Integer> byLibrary = new HashMap<>();
        Map<String, Integer> byMethod = new HashMap<>();
        Map<String, Integer> ourInclusive = new HashMap<>();
        int samples = 0;
        int withOurs = 0;
        int nativeSamples = 0;
        Map<String, Integer> nativeByMethod = new HashMap<>();
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            if (event.getEventType().getName().equals("jdk.NativeMethodSample") && event.getStackTrace() != null
                    && !event.getStackTrace().getFrames().isEmpty()) {
                nativeSamples++;
                nativeByMethod.merge(method(event.getStackTrace().getFrames().get(0)), 1, Integer::sum);
                continue;
            }
            if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            RecordedStackTrace stack = event.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty()) {
                continue;
            }
            samples++;
            RecordedFrame top = stack.getFrames().get(0);
            byLibrary.merge(library(className(top)), 1, Integer::sum);
            byMethod.merge(method(top), 1, Integer::sum);
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (RecordedFrame frame : stack.getFrames()) {
                String cls = className(frame);
                if (cls.startsWith("dev.jobgateway.")) {
                    String m = method(frame);
                    if (seen.add(m)) {
                        ourInclusive.merge(m, 1, Integer::sum);
                    }
                }
            }
            if (!seen.isEmpty()) {
                withOurs++;
            }
        }
        StringBuilder md = new StringBuilder("### ").append(title).append("\n\n");
        if (samples == 0) {
            return new Summary(md.append("No CPU samples were recorded.\n\n").toString(), "no samples");
        }
        md.append(samples).append(" CPU samples (JFR, jdk.ExecutionSample every 1 ms) of the gateway's threads; ")
                .append(pct(withOurs, samples)).append(" of them have a frame of the gateway's own code "
                        + "(dev.jobgateway) on the stack.\n\n");
        md.append(table("where the time is spent (top frame's library)", "library", byLibrary, samples, 12,
                Function.identity()));
        md.append(table("hottest methods (top frame, self time)", "method", byMethod, samples, 15,
                Function.identity()));
        md.append(table("the gateway's own methods (inclusive: on the stack)", "method", ourInclusive, samples, 10,
                Function.identity()));
        if (nativeSamples > 0) {
            md.append("Threads seen in native code (every 5 ms: waiting in epoll or in socket I/O), ")
                    .append(nativeSamples).append(" samples:\n\n");
            md.append(table("native top frames", "method", nativeByMethod, nativeSamples, 5, Function.identity()));
        }
        return new Summary(md.toString(), pct(withOurs, samples));
    }

    private static String table(String caption, String column, Map<String, Integer> counts, int samples, int limit,
            Function<String, String> label) {
        StringBuilder md = new StringBuilder("| ").append(caption).append(": ").append(column)
                .append(" | share of samples |\n|---|---|\n");
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer> comparingByValue().reversed()).limit(limit)
                .forEach(e -> md.append("| `").append(label.apply(e.getKey())).append("` | ")
                        .append(pct(e.getValue(), samples)).append(" |\n"));
        return md.append('\n').toString();
    }

    private static String pct(int part, int whole) {
        return Stats.fmt(100.0 * part / whole) + " %";
    }

    private static String className(RecordedFrame frame) {
        return frame.getMethod() == null || frame.getMethod().getType() == null ? "?"
                : frame.getMethod().getType().getName();
    }

    private static String method(RecordedFrame frame) {
        String cls = className(frame);
        return cls.substring(cls.lastIndexOf('.') + 1) + "." + (frame.getMethod() == null ? "?"
                : frame.getMethod().getName());
    }

    static String library(String className) {
        for (Map.Entry<String, String> e : LIBRARIES.entrySet()) {
            if (className.startsWith(e.getKey())) {
                return e.getValue();
            }
        }
        int dots = 0;
        for (int i = 0; i < className.length(); i++) {
            if (className.charAt(i) == '.' && ++dots == 2) {
                return className.substring(0, i);
            }
        }
        return className;
    }

    private static Map<String, String> libraries() {
        Map<String, String> map = new LinkedHashMap<>();
        map.put("dev.jobgateway.", "the gateway's own code");
        map.put("io.quarkus.redis.", "Quarkus Redis client");
        map.put("io.vertx.redis.", "Vert.x Redis client");
        map.put("io.vertx.mutiny.redis.", "Vert.x Redis client");
        map.put("io.vertx.core.net.", "Vert.x net");
        map.put("io.vertx.core.http.", "Vert.x HTTP");
        map.put("io.vertx.", "Vert.x core");
        map.put("io.netty.", "Netty");
        map.put("org.jboss.resteasy.reactive.", "RESTEasy Reactive");
        map.put("io.quarkus.resteasy.reactive.", "RESTEasy Reactive");
        map.put("io.quarkus.arc.", "ArC (CDI)");
        map.put("io.smallrye.mutiny.", "Mutiny");
        map.put("io.smallrye.context.", "context propagation");
        map.put("io.quarkus.vertx.", "Quarkus Vert.x");
        map.put("com.fasterxml.jackson.", "Jackson");
        map.put("org.jboss.logmanager.", "logging");
        map.put("org.jboss.logging.", "logging");
        map.put("java.time.", "java.time");
        map.put("java.util.concurrent.", "java.util.concurrent");
        map.put("java.util.regex.", "java.util.regex");
        map.put("java.util.", "java.util");
        map.put("java.lang.", "java.lang");
        map.put("sun.nio.", "NIO");
        map.put("java.nio.", "NIO");
        map.put("jdk.internal.", "JDK internal");
        map.put("sun.security.", "JDK crypto");
        map.put("com.sun.crypto.", "JDK crypto");
        map.put("javax.crypto.", "JDK crypto");
        return map;
    }
}
