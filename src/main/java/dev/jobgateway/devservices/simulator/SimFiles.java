package dev.jobgateway.devservices.simulator;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;

/**
 * The files a simulated job's output links to, served for real: a small valid PNG per job, at the URL each dialect
 * puts in its output ({@code /images/<id>.png}, {@code /replicate/files/<id>-0.png}, {@code /fal/files/<id>.png},
 * {@code /cog/files/<id>-0.png}, {@code /runpod/files/<id>.png}; ComfyUI's {@code /view} is its dialect's own).
 * Knobs in {@code input.simulate}: {@code output_bytes} (pad the PNG to this size, e.g. for the benchmark's 1 MB and
 * 10 MB files) and {@code output_ttl_ms} (the file answers 404 that long after the job finished, as Replicate's and
 * fal's outputs expire). {@link #expireAll()} makes every file vanish at once.
 */
final class SimFiles {

    private static final Map<Integer, byte[]> PNGS = new ConcurrentHashMap<>();

    private final SimulatedAiServer server;
    /** The dialects whose outputs link to {@code /<dialect>/files/<name>.png}. */
    private static final Set<String> DIALECTS_WITH_FILES = Set.of("replicate", "fal", "cog", "runpod");
    /** The dialects whose file names end in the output's index. */
    private static final Set<String> INDEXED = Set.of("replicate", "cog");

    private final AtomicInteger served = new AtomicInteger();
    private volatile boolean expired;

    SimFiles(SimulatedAiServer server) {
        this.server = server;
    }

    /** Whether {@code path} names an output file. */
    static boolean isFile(String method, List<String> path) {
        if (!method.equals("GET") || path.isEmpty() || !path.get(path.size() - 1).endsWith(".png")) {
            return false;
        }
        return (path.size() == 2 && path.get(0).equals("images"))
                || (path.size() == 3 && path.get(1).equals("files") && DIALECTS_WITH_FILES.contains(path.get(0)));
    }

    void serve(HttpExchange exchange, List<String> path) throws IOException {
        String name = path.get(path.size() - 1);
        // Only Replicate's and Cog's file names carry an output index ("<id>-0.png"); a generic id ("sim_<uuid>") may
        // itself end in "-<digits>" (a UUID whose last group has no letter).
        String base = name.substring(0, name.length() - 4);
        String id = INDEXED.contains(path.get(0)) ? base.replaceFirst("-\\d+$", "") : base;
        SimJob job = server.job(id);
        if (job == null || job.output == null || expired || hasExpired(job)) {
            server.respond(exchange, 404, server.error("no such file (expired or never made)"));
            return;
        }
        served.incrementAndGet();
        server.respond(exchange, 200, png(job.input == null ? 0
                : job.input.path("simulate").path("output_bytes")
                        .asInt(0)),
                "image/png", Map.of());
    }

    int served() {
        return served.get();
    }

    void expireAll() {
        expired = true;
    }

    void restore() {
        expired = false;
    }

    private static boolean hasExpired(SimJob job) {
        JsonNode ttl = job.input == null ? null : job.input.path("simulate").get("output_ttl_ms");
        Instant completed = job.completedAt;
        return ttl != null && completed != null && Instant.now().isAfter(completed.plusMillis(ttl.asLong()));
    }

    /** A 1x1 PNG, padded with a private ancillary chunk (viewers skip it) to about {@code size} bytes. */
    static byte[] png(int size) {
        return PNGS.computeIfAbsent(Math.max(0, Math.min(size, 64 << 20)), SimFiles::makePng);
    }

    private static byte[] makePng(int size) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(128, size + 64));
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(new byte[] { (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' });
            chunk(out, "IHDR", new byte[] { 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0 });
            Deflater deflater = new Deflater();
            deflater.setInput(new byte[] { 0, (byte) 0x2a, (byte) 0x6b, (byte) 0xc4, (byte) 0xff });
            deflater.finish();
            byte[] compressed = new byte[64];
            int length = deflater.deflate(compressed);
            deflater.end();
            chunk(out, "IDAT", java.util.Arrays.copyOf(compressed, length));
            int padding = size - bytes.size() - 12 - 12;
            if (padding > 0) {
                chunk(out, "jgPd", new byte[padding]);
            }
            chunk(out, "IEND", new byte[0]);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(name);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }
}
