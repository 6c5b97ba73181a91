package dev.jobgateway.outputs;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;

/**
 * Opens an output file's source as a stream: an http(s) URL (redirects followed by hand) or a data URL. Nothing else
 * ({@code file:}, {@code ftp:}, ...) is fetched. For each hop the host is resolved once ({@link HostResolver}), every
 * address checked (an AI server must not point the gateway at an internal address), and the connection made to the
 * checked address ({@link PinnedHttp}), so that a name answering differently a moment later (DNS rebinding) changes
 * nothing. The whole fetch, from the lookup to the last byte, is held to one deadline; the stream fails with
 * {@link CopyFailure} once it passes the size limit or the deadline.
 */
final class SourceFetcher {

    private static final int MAX_REDIRECTS = 5;

    /** Lookups run here, so that a resolver that hangs costs the fetch its deadline, not more. */
    private static final ExecutorService LOOKUPS = Executors.newCachedThreadPool(run -> {
        Thread thread = new Thread(run, "output-source-lookup");
        thread.setDaemon(true);
        return thread;
    });

    /** An opened source: its bytes and what it says it is. */
    record Source(InputStream body, String contentType) {
    }

    private final Predicate<InetAddress> refused;
    private final HostResolver resolver;
    private final Duration connectTimeout;
    private final Duration fileTimeout;
    private final SSLSocketFactory tls;

    SourceFetcher(boolean allowPrivate, Duration connectTimeout, Duration fileTimeout) {
        this(allowPrivate ? address -> false : SourceFetcher::isInternal, connectTimeout, fileTimeout);
    }

    /** A fetcher that refuses the addresses {@code refused} names (tests narrow it to see one rule at work). */
    SourceFetcher(Predicate<InetAddress> refused, Duration connectTimeout, Duration fileTimeout) {
        this(refused, HostResolver.SYSTEM, connectTimeout, fileTimeout);
    }

    /** A fetcher whose names are resolved by {@code resolver} (tests answer for their own names). */
    SourceFetcher(Predicate<InetAddress> refused, HostResolver resolver, Duration connectTimeout,
            Duration fileTimeout) {
        this(refused, resolver, connectTimeout, fileTimeout, defaultTls());
    }

    /** A fetcher that trusts what {@code tls} trusts (tests add their own certificate authority). */
    SourceFetcher(Predicate<InetAddress> refused, HostResolver resolver, Duration connectTimeout,
            Duration fileTimeout, SSLSocketFactory tls) {
        this.refused = refused;
        this.resolver = resolver;
        this.connectTimeout = connectTimeout;
        this.fileTimeout = fileTimeout;
        this.tls = tls;
    }

    private static SSLSocketFactory defaultTls() {
        try {
            return SSLContext.getDefault().getSocketFactory();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("No TLS in this JVM", e);
        }
    }

    /** The source of {@code url}, cut off past {@code maxBytes} and past this fetcher's file timeout. */
    Source open(String url, long maxBytes) throws IOException {
        return open(url, maxBytes, System.nanoTime() + fileTimeout.toNanos());
    }

    /**
     * The source of {@code url}, cut off past {@code maxBytes} and at the earlier of this fetcher's file timeout and
     * {@code deadline} ({@link System#nanoTime()}; the job's time left).
     */
    Source open(String url, long maxBytes, long deadline) throws IOException {
        if (url.regionMatches(true, 0, "data:", 0, 5)) {
            DataUrl data = DataUrl.decode(url, maxBytes);
            return new Source(new ByteArrayInputStream(data.bytes()), data.contentType());
        }
        long fileDeadline = System.nanoTime() + fileTimeout.toNanos();
        long until = deadline - fileDeadline < 0 ? deadline : fileDeadline;
        URI at = parse(url);
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            InetAddress address = checkedAddress(at, until);
            PinnedHttp.Response response = PinnedHttp.get(at, address, until, connectTimeout, tls);
            int status = response.status();
            if (status >= 300 && status < 400 && status != 304) {
                String location = response.header("Location");
                response.close();
                if (location == null) {
                    throw new CopyFailure(CopyFailure.Kind.REFUSED, "redirect without a Location from " + host(at));
                }
                try {
                    at = parse(at.resolve(new URI(location.trim())).toString());
                } catch (URISyntaxException | IllegalArgumentException e) {
                    throw new CopyFailure(CopyFailure.Kind.REFUSED, "a redirect to an invalid URL");
                }
                continue;
            }
            if (status == 401 || status == 403 || status == 404 || status == 410) {
                response.close();
                throw new CopyFailure(CopyFailure.Kind.GONE, "the source answered HTTP " + status
                        + " (expired or removed)");
            }
            if (status >= 500 || status == 429 || status == 408) {
                response.close();
                throw new CopyFailure(CopyFailure.Kind.RETRY, "the source answered HTTP " + status);
            }
            if (status != 200) {
                response.close();
                throw new CopyFailure(CopyFailure.Kind.REFUSED, "the source answered HTTP " + status);
            }
            String length = response.header("Content-Length");
            if (length != null && length.trim().matches("[0-9]{1,18}") && Long.parseLong(length.trim()) > maxBytes) {
                response.close();
                throw tooLarge(maxBytes);
            }
            return new Source(new Limited(response.body(), maxBytes, until), response.header("Content-Type"));
        }
        throw new CopyFailure(CopyFailure.Kind.REFUSED, "more than " + MAX_REDIRECTS + " redirects");
    }

    private static URI parse(String url) throws CopyFailure {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new CopyFailure(CopyFailure.Kind.REFUSED, "not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new CopyFailure(CopyFailure.Kind.REFUSED, "only http(s) and data URLs are copied, not '"
                    + scheme + ":'");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new CopyFailure(CopyFailure.Kind.REFUSED, "URL without a host");
        }
        return uri;
    }

    /**
     * The address to connect to: the host's first address, once every address it has is checked (a name with one
     * internal address among public ones is refused: which one a later lookup puts first is not ours to know).
     */
    private InetAddress checkedAddress(URI uri, long deadline) throws CopyFailure {
        InetAddress[] addresses = lookUp(PinnedHttp.bareHost(uri), deadline);
        if (addresses.length == 0) {
            throw new CopyFailure(CopyFailure.Kind.RETRY, "the source's host " + host(uri) + " does not resolve");
        }
        for (InetAddress address : addresses) {
            if (refused.test(address)) {
                throw new CopyFailure(CopyFailure.Kind.REFUSED, "the source's host " + host(uri)
                        + " is a private, loopback or link-local address (gateway.outputs.allow-private-sources)");
            }
        }
        return addresses[0];
    }

    private InetAddress[] lookUp(String host, long deadline) throws CopyFailure {
        Future<InetAddress[]> answer = LOOKUPS.submit(() -> resolver.resolve(host));
        try {
            return answer.get(Math.max(1, PinnedHttp.remainingMs(deadline)), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownHostException) {
                throw new CopyFailure(CopyFailure.Kind.RETRY, "the source's host " + host + " does not resolve");
            }
            throw new CopyFailure(CopyFailure.Kind.RETRY, "looking up " + host + " failed: " + e.getCause());
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw PinnedHttp.timedOut();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CopyFailure(CopyFailure.Kind.RETRY, "interrupted while looking up " + host);
        }
    }

    /** Loopback, private, link-local (cloud metadata), carrier-grade NAT, unspecified, multicast, unique-local. */
    static boolean isInternal(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return true;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first == 0 || first >= 240 || (first == 100 && second >= 64 && second < 128)
                    || (first == 198 && (second == 18 || second == 19)) || (first == 192 && second == 0 && b[2] == 0);
        }
        if (address instanceof Inet6Address) {
            return (b[0] & 0xfe) == 0xfc;
        }
        return false;
    }

    static CopyFailure tooLarge(long maxBytes) {
        return new CopyFailure(CopyFailure.Kind.REFUSED, "the file is larger than " + maxBytes + " bytes "
                + "(gateway.outputs.max-file-bytes or what is left of max-job-bytes)");
    }

    private static String host(URI uri) {
        return uri.getHost();
    }

    /** A source's bytes, failing once there are more than the limit or the deadline has passed. */
    private static final class Limited extends BlockReads {

        private final long maxBytes;
        private final long deadline;
        private long read;

        Limited(InputStream in, long maxBytes, long deadline) {
            super(in);
            this.maxBytes = maxBytes;
            this.deadline = deadline;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (System.nanoTime() - deadline > 0) {
                throw PinnedHttp.timedOut();
            }
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                read += n;
                if (read > maxBytes) {
                    throw tooLarge(maxBytes);
                }
            }
            return n;
        }
    }
}
