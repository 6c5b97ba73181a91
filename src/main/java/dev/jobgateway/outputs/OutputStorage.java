package dev.jobgateway.outputs;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.jobgateway.job.Job;
import dev.jobgateway.job.Job.OutputState;
import dev.jobgateway.platform.GatewayConfig;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The bucket: uploads a copy as a stream (one request below the multipart threshold, else part by part, never more
 * than one part in memory, an unfinished multipart upload aborted), and turns stored copies into the URLs reads
 * return (presigned GETs, or the public base URL). The S3 client is made on first use, so a gateway with storage off
 * never builds one.
 */
@ApplicationScoped
public class OutputStorage {

    private static final Logger LOG = Logger.getLogger(OutputStorage.class);
    private static final TypeReference<List<StoredFile>> FILES = new TypeReference<>() {
    };

    private static final SecureRandom RANDOM = new SecureRandom();

    private final GatewayConfig.Outputs config;
    private final ObjectMapper mapper;
    private volatile S3Client client;
    private volatile S3Presigner presigner;

    OutputStorage(GatewayConfig config, ObjectMapper mapper) {
        this.config = config.outputs();
        this.mapper = mapper;
    }

    public boolean enabled() {
        return config.enabled();
    }

    GatewayConfig.Outputs config() {
        return config;
    }

    /** The copy's key: the job id and the file's index, with the extension of its type. */
    String key(String jobId, int index, String contentType) {
        return config.prefix() + jobId + "/" + index + extension(contentType);
    }

    /**
     * A data URL's key: the job id, the file's index and a random part, so that an upload made for a report that then
     * loses the race for the job (a cancel or another success came first) can never replace the winner's copy.
     */
    String dataKey(String jobId, int index, String contentType) {
        return config.prefix() + jobId + "/" + index + "-" + String.format("%016x", RANDOM.nextLong())
                + extension(contentType);
    }

    /**
     * Uploads {@code body} as {@code key} by {@code deadline} ({@link System#nanoTime()}); returns its size. A body
     * below the multipart threshold goes in one request, a larger one part by part, one part in memory at a time (the
     * SDK is handed the buffer, not a copy). An {@code image/*}, {@code video/*} or {@code audio/*} type is stored as
     * it is, anything else has come through {@link #contentType} as {@value #OPAQUE} and is stored with
     * {@code Content-Disposition: attachment}. S3 failures, and S3 calls cut off at the deadline, are
     * {@link CopyFailure.Kind#RETRY}; a multipart upload that does not complete is aborted, so no partial object is
     * left (a crash in the middle leaves its parts to the bucket's lifecycle rule, docs/deploy.md).
     */
    long put(String key, String contentType, InputStream body, long deadline) throws IOException {
        S3Client s3 = client();
        String bucket = config.bucket().orElseThrow();
        String disposition = isAttachment(contentType) ? "attachment" : null;
        byte[] first = body.readNBytes(config.multipartThreshold());
        try {
            if (first.length < config.multipartThreshold()) {
                Duration left = left(deadline);
                s3.putObject(b -> b.bucket(bucket).key(key).contentType(contentType).contentDisposition(disposition)
                        .overrideConfiguration(o -> o.apiCallTimeout(left)), bytes(first, first.length, contentType));
                return first.length;
            }
            Duration left = left(deadline);
            String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key).contentType(contentType)
                    .contentDisposition(disposition).overrideConfiguration(o -> o.apiCallTimeout(left))).uploadId();
            try {
                List<CompletedPart> parts = new ArrayList<>();
                long size = 0;
                byte[] buffer = first;
                int length = first.length;
                while (length > 0) {
                    int number = parts.size() + 1;
                    int partLength = length;
                    Duration partLeft = left(deadline);
                    String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(number)
                            .contentLength((long) partLength).overrideConfiguration(o -> o.apiCallTimeout(partLeft)),
                            bytes(buffer, partLength, null)).eTag();
                    parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
                    size += partLength;
                    if (buffer == first) {
                        // The first part may be as large as the threshold; the rest share one part-sized buffer.
                        buffer = new byte[config.partSize()];
                        first = null;
                    }
                    length = body.readNBytes(buffer, 0, buffer.length);
                }
                Duration completeLeft = left(deadline);
                s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                        .multipartUpload(m -> m.parts(parts)).overrideConfiguration(o -> o.apiCallTimeout(
                                completeLeft)));
                return size;
            } catch (IOException | RuntimeException e) {
                abort(s3, bucket, key, uploadId);
                throw e;
            }
        } catch (SdkException e) {
            throw new CopyFailure(CopyFailure.Kind.RETRY, "S3: " + e.getMessage());
        }
    }

    /** The first {@code length} bytes of {@code buffer} as a request body, without the copy the SDK would make. */
    private static RequestBody bytes(byte[] buffer, int length, String contentType) {
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(buffer, 0, length), length,
                contentType == null ? OPAQUE : contentType);
    }

    /** What is left until {@code deadline}; none left is a timeout like any other. */
    private static Duration left(long deadline) throws CopyFailure {
        long nanos = deadline - System.nanoTime();
        if (nanos <= 0) {
            throw PinnedHttp.timedOut();
        }
        return Duration.ofNanos(nanos);
    }

    /**
     * Deletes the objects {@code keys}, uploaded for a report that did not become the job's state (it lost a race or
     * its plan was abandoned): best effort, a failure is logged and leaves an object no job refers to.
     */
    void delete(List<String> keys) {
        if (keys.isEmpty()) {
            return;
        }
        S3Client s3 = client();
        String bucket = config.bucket().orElseThrow();
        for (String key : keys) {
            try {
                // Bounded: a webhook waits for this when its plan is abandoned in an S3 outage.
                s3.deleteObject(b -> b.bucket(bucket).key(key).overrideConfiguration(o -> o.apiCallTimeout(
                        config.connectTimeout())));
            } catch (SdkException e) {
                LOG.warnf("Could not delete %s, uploaded for a report that lost its race: %s", key, e.getMessage());
            }
        }
    }

    private static void abort(S3Client s3, String bucket, String key, String uploadId) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
        } catch (SdkException e) {
            LOG.warnf("Could not abort the multipart upload of %s (the bucket's lifecycle rule removes it): %s", key,
                    e.getMessage());
        }
    }

    /**
     * The URL a read returns for a stored copy, or null when none can be made now (no credentials to sign with): a
     * read must not fail for it, the job then shows the AI server's URL.
     */
    String link(String key) {
        try {
            return makeLink(key);
        } catch (RuntimeException e) {
            LOG.warnf("Cannot make the URL of %s: %s", key, e.toString());
            return null;
        }
    }

    private String makeLink(String key) {
        if (config.publicBaseUrl().isPresent()) {
            String base = config.publicBaseUrl().get();
            return (base.endsWith("/") ? base : base + "/") + key;
        }
        return presigner().presignGetObject(p -> p.signatureDuration(config.presignTtl())
                .getObjectRequest(g -> g.bucket(config.bucket().orElseThrow()).key(key))).url().toString();
    }

    // --- what reads show -----------------------------------------------------------------------------------------

    public List<StoredFile> files(String filesJson) {
        if (filesJson == null || filesJson.isEmpty()) {
            return List.of();
        }
        try {
            return mapper.readValue(filesJson, FILES);
        } catch (IOException e) {
            throw new IllegalStateException("Unreadable output_files", e);
        }
    }

    public String write(List<StoredFile> files) {
        try {
            return mapper.writeValueAsString(files);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The output as reads show it: every stored file's value replaced by the URL of its copy. */
    public String rewrite(String outputJson, String filesJson) {
        List<StoredFile> files = files(filesJson);
        if (outputJson == null || files.stream().noneMatch(f -> f.state() == OutputState.STORED)) {
            return outputJson;
        }
        try {
            JsonNode output = mapper.readTree(outputJson);
            for (StoredFile file : files) {
                String link = file.state() == OutputState.STORED ? link(file.key()) : null;
                if (link != null) {
                    output = replace(output, file.path(), link);
                }
            }
            return mapper.writeValueAsString(output);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The files as reads list them: the copy's URL and the AI server's. */
    public List<Job.OutputFile> view(String filesJson) {
        List<StoredFile> files = files(filesJson);
        if (files.isEmpty()) {
            return null;
        }
        List<Job.OutputFile> shown = new ArrayList<>();
        for (StoredFile file : files) {
            shown.add(new Job.OutputFile(file.index(),
                    file.state() == OutputState.STORED ? link(file.key()) : null, file.sourceUrl(),
                    file.contentType(), file.sizeBytes(), file.state(), file.reason()));
        }
        return shown;
    }

    /** {@code output} with the value at {@code pointer} set to {@code text} ({@code ""}: the whole output). */
    static JsonNode replace(JsonNode output, String pointer, String text) {
        if (pointer.isEmpty()) {
            return TextNode.valueOf(text);
        }
        int cut = pointer.lastIndexOf('/');
        JsonNode parent = cut == 0 ? output : output.at(pointer.substring(0, cut));
        String last = pointer.substring(cut + 1).replace("~1", "/").replace("~0", "~");
        if (parent instanceof ObjectNode object) {
            object.put(last, text);
        } else if (parent instanceof ArrayNode array) {
            array.set(Integer.parseInt(last), TextNode.valueOf(text));
        } else if (!(parent instanceof ContainerNode<?>)) {
            LOG.debugf("Output has no %s any more", pointer);
        }
        return output;
    }

    static String extension(String contentType) {
        String type = contentType == null ? "" : contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
        return switch (type) {
            case "image/png" -> ".png";
            case "image/jpeg", "image/jpg" -> ".jpg";
            case "image/webp" -> ".webp";
            case "image/gif" -> ".gif";
            case "image/svg+xml" -> ".svg";
            case "video/mp4" -> ".mp4";
            case "audio/mpeg" -> ".mp3";
            case "audio/wav", "audio/x-wav" -> ".wav";
            case "application/json" -> ".json";
            case "text/plain" -> ".txt";
            default -> "";
        };
    }

    /** What a copy whose type is not allowed to show inline is stored as (with {@code attachment}). */
    static final String OPAQUE = "application/octet-stream";

    /** Types a browser shows but never runs: images, video, audio, not SVG or anything else built on XML. */
    private static final Pattern INLINE = Pattern.compile("(image|video|audio)/[a-z0-9][a-z0-9.+-]{0,100}");

    /**
     * Whether a copy of {@code contentType} is stored for download only ({@code Content-Disposition: attachment}):
     * the bucket's origin serves what is stored, so HTML or SVG from an AI server would run as script there.
     */
    static boolean isAttachment(String contentType) {
        return !isInline(contentType);
    }

    private static boolean isInline(String type) {
        return type != null && INLINE.matcher(type).matches() && !type.contains("svg") && !type.endsWith("+xml");
    }

    /**
     * The type a source's bytes are stored as: what it said, if that is an image, video or audio type (not SVG),
     * parameters dropped; if it said nothing useful, what its URL's ending says; else {@value #OPAQUE}.
     */
    static String contentType(String declared, String url) {
        String type = declared == null ? "" : declared.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!type.isEmpty() && !type.equals(OPAQUE)) {
            return isInline(type) ? type : OPAQUE;
        }
        String path = url == null ? "" : url.toLowerCase(Locale.ROOT).replaceAll("[?#].*$", "");
        Map<String, String> byEnding = Map.of(".png", "image/png", ".jpg", "image/jpeg", ".jpeg", "image/jpeg",
                ".webp", "image/webp", ".gif", "image/gif", ".mp4", "video/mp4");
        for (Map.Entry<String, String> ending : byEnding.entrySet()) {
            if (path.endsWith(ending.getKey())) {
                return ending.getValue();
            }
        }
        return OPAQUE;
    }

    private S3Client client() {
        S3Client s3 = client;
        if (s3 == null) {
            synchronized (this) {
                if (client == null) {
                    // Checksums only where S3 requires them: S3-compatible servers do not all know the newer
                    // trailing checksums the SDK would otherwise add to every upload.
                    var builder = S3Client.builder()
                            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                            .httpClientBuilder(UrlConnectionHttpClient.builder()
                                    .connectionTimeout(config.connectTimeout())
                                    .socketTimeout(config.fileTimeout()))
                            .credentialsProvider(DefaultCredentialsProvider.builder().build())
                            .serviceConfiguration(S3Configuration.builder()
                                    .pathStyleAccessEnabled(config.pathStyle()).build());
                    config.region().map(Region::of).ifPresent(builder::region);
                    config.endpoint().map(URI::create).ifPresent(builder::endpointOverride);
                    client = builder.build();
                }
                s3 = client;
            }
        }
        return s3;
    }

    private S3Presigner presigner() {
        S3Presigner signer = presigner;
        if (signer == null) {
            synchronized (this) {
                if (presigner == null) {
                    var builder = S3Presigner.builder()
                            .credentialsProvider(DefaultCredentialsProvider.builder().build())
                            .serviceConfiguration(S3Configuration.builder()
                                    .pathStyleAccessEnabled(config.pathStyle()).build());
                    config.region().map(Region::of).ifPresent(builder::region);
                    config.endpoint().map(URI::create).ifPresent(builder::endpointOverride);
                    presigner = builder.build();
                }
                signer = presigner;
            }
        }
        return signer;
    }

    @PreDestroy
    void close() {
        if (client != null) {
            client.close();
        }
        if (presigner != null) {
            presigner.close();
        }
    }
}
