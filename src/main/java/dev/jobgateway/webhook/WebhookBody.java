package dev.jobgateway.webhook;

import java.util.function.Supplier;

import org.jboss.logging.Logger;

import dev.jobgateway.platform.ApiException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads a webhook's body off the connection as it arrives, up to the provider's limit: the webhook routes take no
 * body parameter, so the REST layer never buffers one (it would, whole, up to Vert.x' 10 MiB, before any check). A
 * body declared larger than the limit ({@code Content-Length}) is refused before a byte of it is read, a body without
 * a length (chunked) as soon as it passes the limit. Nothing about the sender is trusted yet: this is the only work
 * an unauthenticated webhook can make the gateway do before its signature or token is checked.
 */
final class WebhookBody {

    private static final Logger LOG = Logger.getLogger(WebhookBody.class);
    /**
     * After a refusal, what the sender still sends is read and dropped (never kept), so that a sender that writes its
     * whole body before it reads the answer gets to read the {@code 413}; past this much the connection is closed.
     */
    static final long MAX_DISCARDED_BYTES = 16L * 1024 * 1024;
    private static final long INITIAL_BYTES = 16 * 1024;

    private WebhookBody() {
    }

    /** The body, or a failure with {@code tooLarge}'s problem once it passes {@code limit} bytes. */
    static Uni<byte[]> read(HttpServerRequest request, int limit, Supplier<ApiException> tooLarge) {
        long declared = declaredLength(request);
        if (declared > limit) {
            discardRest(request);
            return Uni.createFrom().failure(tooLarge.get());
        }
        if (request.isEnded()) {
            // Whatever read the body before us kept it; nothing is left to read.
            return Uni.createFrom().item(new byte[0]);
        }
        return Uni.createFrom().emitter(emitter -> {
            // Grown as bytes come, not sized by what the sender declares: a declared length costs nothing until sent.
            Buffer body = Buffer.buffer((int) Math.min(INITIAL_BYTES, Math.max(declared, 256)));
            boolean[] settled = new boolean[1];
            request.handler(chunk -> {
                if (settled[0]) {
                    return;
                }
                if (body.length() + chunk.length() > limit) {
                    settled[0] = true;
                    discardRest(request);
                    emitter.fail(tooLarge.get());
                    return;
                }
                body.appendBuffer(chunk);
            });
            request.exceptionHandler(failure -> {
                if (!settled[0]) {
                    settled[0] = true;
                    emitter.fail(failure);
                }
            });
            request.endHandler(end -> {
                if (!settled[0]) {
                    settled[0] = true;
                    emitter.complete(body.getBytes());
                }
            });
            if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
                request.response().writeContinue();
            }
            request.resume();
        });
    }

    /**
     * Lets the rest of a body that will not be read flow into nothing: the request is answered without it, and the
     * connection is closed if the sender goes on past {@link #MAX_DISCARDED_BYTES}.
     */
    static void discardRest(HttpServerRequest request) {
        if (request.isEnded()) {
            return;
        }
        long[] discarded = new long[1];
        request.handler(chunk -> {
            discarded[0] += chunk.length();
            if (discarded[0] > MAX_DISCARDED_BYTES && request.connection() != null) {
                LOG.debugf("Closing a connection that sent more than %d bytes of a refused webhook",
                        MAX_DISCARDED_BYTES);
                request.connection().close();
            }
        });
        request.exceptionHandler(failure -> {
        });
        request.endHandler(end -> {
        });
        request.resume();
    }

    /** The {@code Content-Length} the sender declared, or -1 without one (chunked). */
    private static long declaredLength(HttpServerRequest request) {
        String value = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
