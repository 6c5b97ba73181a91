package dev.jobgateway.outputs;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Opens an output file's source as a stream: an http(s) URL (redirects followed by hand, each hop's address checked,
 * so an AI server cannot point the gateway at an internal address) or a data URL. Nothing else ({@code file:},
 * {@code ftp:}, ...) is fetched. The stream fails with {@link CopyFailure} once it passes the size limit or the
 * file's deadline.
 */
final class SourceFetcher {

    private static final int MAX_REDIRECTS = 5;

    /** An opened source: its bytes and what it says it is. */
    record Source(InputStream body, String contentType) {
    }

    private final Predicate<InetAddress> refused;
    private final Duration connectTimeout;
    private final Duration fileTimeout;

    SourceFetcher(boolean allowPrivate, Duration connectTimeout, Duration fileTimeout) {
        this(allowPrivate ? address -> false : SourceFetcher::isInternal, connectTimeout, fileTimeout);
    }

    /** A fetcher that refuses the addresses {@code refused} names (tests narrow it to see one rule at work). */
    SourceFetcher(Predicate<InetAddress> refused, Duration connectTimeout, Duration fileTimeout) {
        this.refused = refused;
        this.connectTimeout = connectTimeout;
        this.fileTimeout = fileTimeout;
    }

    /** The source of {@code url}, cut off past {@code maxBytes} and past this fetcher's file timeout. */
    Source open(String url, long maxBytes) throws IOException {
        if (url.regionMatches(true, 0, "data:", 0, 5)) {
            return dataUrl(url, maxBytes);
        }
        long deadline = System.nanoTime() + fileTimeout.toNanos();
        URI at = parse(url);
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            checkAddress(at);
            HttpURLConnection connection = (HttpURLConnection) at.toURL().openConnection();
            connection.setInstanceFollowRedirects(false);
            connection.setConnectTimeout((int) connectTimeout.toMillis());
            connection.setReadTimeout((int) Math.max(1, remainingMs(deadline)));
            connection.setRequestProperty("Accept", "*/*");
            connection.setRequestProperty("User-Agent", "job-gateway output copy");
            int status = connection.getResponseCode();
            if (status >= 300 && status < 400 && status != 304) {
                String location = connection.getHeaderField("Location");
                connection.disconnect();
                if (location == null) {
                    throw new CopyFailure(CopyFailure.Kind.REFUSED, "redirect without a Location from " + host(at));
                }
                at = parse(at.resolve(location).toString());
                continue;
            }
            if (status == 401 || status == 403 || status == 404 || status == 410) {
                connection.disconnect();
                throw new CopyFailure(CopyFailure.Kind.GONE, "the source answered HTTP " + status
                        + " (expired or removed)");
            }
            if (status >= 500 || status == 429 || status == 408) {
                connection.disconnect();
                throw new CopyFailure(CopyFailure.Kind.RETRY, "the source answered HTTP " + status);
            }
            if (status != 200) {
                connection.disconnect();
                throw new CopyFailure(CopyFailure.Kind.REFUSED, "the source answered HTTP " + status);
            }
            long length = connection.getContentLengthLong();
            if (length > maxBytes) {
                connection.disconnect();
                throw tooLarge(maxBytes);
            }
            return new Source(new Limited(connection.getInputStream(), maxBytes, deadline),
                    connection.getContentType());
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

    private void checkAddress(URI uri) throws CopyFailure {
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(uri.getHost());
        } catch (UnknownHostException e) {
            throw new CopyFailure(CopyFailure.Kind.RETRY, "the source's host " + host(uri) + " does not resolve");
        }
        for (InetAddress address : addresses) {
            if (refused.test(address)) {
                throw new CopyFailure(CopyFailure.Kind.REFUSED, "the source's host " + host(uri)
                        + " is a private, loopback or link-local address (gateway.outputs.allow-private-sources)");
            }
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

    private static Source dataUrl(String url, long maxBytes) throws CopyFailure {
        int comma = url.indexOf(',');
        if (comma < 0) {
            throw new CopyFailure(CopyFailure.Kind.REFUSED, "a data URL without ','");
        }
        String meta = url.substring(5, comma);
        boolean base64 = meta.toLowerCase(Locale.ROOT).endsWith(";base64");
        String type = base64 ? meta.substring(0, meta.length() - 7) : meta;
        String payload = url.substring(comma + 1);
        if ((base64 ? payload.length() / 4L * 3 : payload.length()) > maxBytes + 3) {
            throw tooLarge(maxBytes);
        }
        InputStream bytes = new ByteArrayInputStream(payload.getBytes(StandardCharsets.US_ASCII));
        InputStream body;
        if (base64) {
            body = Base64.getMimeDecoder().wrap(bytes);
        } else {
            body = new ByteArrayInputStream(java.net.URLDecoder.decode(payload.replace("+", "%2B"),
                    StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
        }
        return new Source(new Limited(body, maxBytes, Long.MAX_VALUE),
                type.isBlank() ? "text/plain" : type.split(";")[0]);
    }

    private static CopyFailure tooLarge(long maxBytes) {
        return new CopyFailure(CopyFailure.Kind.REFUSED, "the file is larger than " + maxBytes + " bytes "
                + "(gateway.outputs.max-file-bytes or what is left of max-job-bytes)");
    }

    private static String host(URI uri) {
        return uri.getHost();
    }

    private static long remainingMs(long deadline) {
        return Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
    }

    /** A source's bytes, failing once there are more than the limit or the deadline has passed. */
    private static final class Limited extends FilterInputStream {

        private final long maxBytes;
        private final long deadline;
        private long read;

        Limited(InputStream in, long maxBytes, long deadline) {
            super(in);
            this.maxBytes = maxBytes;
            this.deadline = deadline;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (deadline != Long.MAX_VALUE && System.nanoTime() - deadline > 0) {
                throw new CopyFailure(CopyFailure.Kind.RETRY, "the file did not arrive within its time "
                        + "(gateway.outputs.file-timeout)");
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
