package dev.jobgateway.providers;

import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import io.vertx.mutiny.core.http.HttpClientResponse;

/**
 * Plain HTTP calls to providers' APIs, on the event loop (no thread per call), for adapters that need more of the
 * exchange than a typed REST client gives: every status, {@code Retry-After}, error headers, raw bodies. Every call is
 * bounded by its timeout; an answer body is read up to {@link #MAX_ANSWER_BYTES}.
 */
@ApplicationScoped
public class ProviderHttp {

    /** Far above any status or result document; a provider answering more is broken, not a job's result. */
    static final int MAX_ANSWER_BYTES = 8 * 1024 * 1024;

    private final HttpClient client;

    ProviderHttp(Vertx vertx) {
        this.client = vertx.createHttpClient(new HttpClientOptions().setMaxPoolSize(32).setKeepAlive(true)
                .setTryUseCompression(false));
    }

    /** A call's answer, whatever its status. */
    public record Answer(int status, Map<String, String> headers, byte[] body) {

        public boolean ok() {
            return status >= 200 && status < 300;
        }

        /** A header, by lower-case name. */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /**
         * {@code Retry-After} as a wait from now, in seconds or as an HTTP-date ({@link Retries#retryAfter}), or null.
         */
        public Duration retryAfter() {
            return Retries.retryAfter(header("Retry-After"));
        }
    }

    /** A value as one segment of a URL's path (or a query value): percent-encoded, a space as {@code %20}. */
    public static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A provider's base URL as a URI that relative paths resolve under: with a trailing slash. */
    public static URI base(String url) {
        return URI.create(url.endsWith("/") ? url : url + "/");
    }

    /**
     * The headers of a call to a JSON API: {@code Accept}, and {@code Authorization} unless null. A mutable map, for
     * the call to add its own ({@code Content-Type} of a body).
     */
    public static Map<String, String> jsonHeaders(String authorization) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (authorization != null) {
            headers.put("Authorization", authorization);
        }
        headers.put("Accept", "application/json");
        return headers;
    }

    /** {@link #jsonHeaders} of a call that sends a JSON body. */
    public static Map<String, String> jsonBodyHeaders(String authorization) {
        Map<String, String> headers = jsonHeaders(authorization);
        headers.put("Content-Type", "application/json");
        return headers;
    }

    /** Sends one request; fails on connection errors and on {@code timeout}, never on an HTTP status. */
    public Uni<Answer> send(String method, URI uri, Map<String, String> headers, byte[] body, Duration timeout) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.valueOf(method))
                .setAbsoluteURI(uri.toString()).setConnectTimeout(timeout.toMillis())
                .setIdleTimeout(timeout.toMillis());
        headers.forEach(options::putHeader);
        return client.request(options)
                .chain(request -> body == null ? request.send() : request.send(Buffer.buffer(body)))
                .chain(ProviderHttp::read)
                .ifNoItem().after(timeout).failWith(TimeoutException::new);
    }

    private static Uni<Answer> read(HttpClientResponse response) {
        Map<String, String> headers = new java.util.HashMap<>();
        response.headers().forEach(entry -> headers.putIfAbsent(entry.getKey().toLowerCase(Locale.ROOT),
                entry.getValue()));
        return response.toMulti().collect().in(Buffer::buffer, (all, chunk) -> {
            if (all.length() + chunk.length() > MAX_ANSWER_BYTES) {
                throw new ProviderCallException("The AI server's answer is larger than " + MAX_ANSWER_BYTES
                        + " bytes.");
            }
            all.appendBuffer(chunk);
        }).map(all -> new Answer(response.statusCode(), headers, all.getBytes()));
    }

    /**
     * Whether a failed call certainly never reached the provider (the connection was refused or the host unknown),
     * so that repeating it cannot make a second job there. Timeouts and broken connections are not: the request may
     * have been taken.
     */
    public static boolean neverSent(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof ConnectException || cause instanceof UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    @PreDestroy
    void close() {
        client.closeAndForget();
    }
}
