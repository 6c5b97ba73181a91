package dev.jobgateway.outputs;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One HTTP/1.1 {@code GET} to an address the caller has already resolved and checked: the connection goes to that
 * address and nowhere else (no second DNS lookup a rebinding name could answer differently), while the request still
 * names the URL's host in {@code Host}, and for https in TLS SNI and in the certificate's hostname verification.
 * Every step (connect, handshake, each read of the head and the body) is held to one deadline for the whole fetch, so
 * a source that trickles a byte now and then is cut off when the deadline passes, not when it falls silent.
 * <p>
 * {@code HttpURLConnection} cannot be given an address (it resolves the host itself), and the JDK's resolver cannot be
 * replaced before JDK 18; what is needed of HTTP here is small: one request, {@code Connection: close}, a body framed
 * by {@code Content-Length}, chunked encoding (RFC 9112 section 7.1) or the end of the connection.
 */
final class PinnedHttp {

    private static final int MAX_HEAD_BYTES = 32 * 1024;
    private static final int MAX_LINE_BYTES = 8 * 1024;

    /** A response whose head has been read; {@link #body} ends the connection when closed. */
    record Response(int status, Map<String, String> headers, InputStream body) {

        /** A header's value (names are case-insensitive), or null. */
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        void close() {
            try {
                body.close();
            } catch (IOException ignored) {
                // the connection is gone either way
            }
        }
    }

    private PinnedHttp() {
    }

    /** {@code GET uri} from {@code address}, by {@code deadline} ({@link System#nanoTime()}). */
    static Response get(URI uri, InetAddress address, long deadline, Duration connectTimeout, SSLSocketFactory tls)
            throws IOException {
        boolean https = uri.getScheme().equalsIgnoreCase("https");
        int port = uri.getPort() >= 0 ? uri.getPort() : https ? 443 : 80;
        String host = bareHost(uri);
        Socket socket = new Socket();
        try {
            int connectMs = (int) Math.max(1, Math.min(connectTimeout.toMillis(), remainingMs(deadline)));
            try {
                socket.connect(new InetSocketAddress(address, port), connectMs);
            } catch (SocketTimeoutException e) {
                throw new CopyFailure(CopyFailure.Kind.RETRY, "could not connect to " + host + " within "
                        + connectMs + " ms");
            } catch (IOException e) {
                throw new CopyFailure(CopyFailure.Kind.RETRY, "could not connect to " + host + ": "
                        + e.getMessage());
            }
            Socket connection = socket;
            if (https) {
                SSLSocket ssl = (SSLSocket) tls.createSocket(socket, host, port, true);
                SSLParameters parameters = ssl.getSSLParameters();
                // The certificate must be valid for the URL's host, not for the address connected to.
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                if (!isAddressLiteral(host)) {
                    parameters.setServerNames(List.of(new SNIHostName(host)));
                }
                ssl.setSSLParameters(parameters);
                ssl.setSoTimeout((int) Math.max(1, remainingMs(deadline)));
                try {
                    ssl.startHandshake();
                } catch (SocketTimeoutException e) {
                    throw timedOut();
                } catch (SSLException e) {
                    // A certificate not valid for the host, or no TLS both sides accept: not a passing trouble.
                    throw new CopyFailure(CopyFailure.Kind.REFUSED, "TLS with " + host + " failed: "
                            + e.getMessage());
                }
                connection = ssl;
            }
            OutputStream out = connection.getOutputStream();
            out.write(request(uri, host, port, https).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = new BufferedInputStream(new Timed(connection, deadline));
            int status;
            Map<String, String> headers;
            do {
                status = statusCode(readLine(in));
                headers = readHeaders(in);
            } while (status >= 100 && status < 200); // 100 Continue and other interim answers precede the real one
            return new Response(status, headers, body(in, headers));
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static String request(URI uri, String host, int port, boolean https) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        boolean defaultPort = uri.getPort() < 0 || port == (https ? 443 : 80);
        String authority = (host.contains(":") ? "[" + host + "]" : host) + (defaultPort ? "" : ":" + port);
        return "GET " + path + query + " HTTP/1.1\r\n"
                + "Host: " + authority + "\r\n"
                + "User-Agent: job-gateway output copy\r\n"
                + "Accept: */*\r\n"
                + "Accept-Encoding: identity\r\n"
                + "Connection: close\r\n\r\n";
    }

    /** The URL's host without the brackets of an IPv6 literal. */
    static String bareHost(URI uri) {
        String host = uri.getHost();
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static boolean isAddressLiteral(String host) {
        return host.contains(":") || host.matches("[0-9.]+");
    }

    private static int statusCode(String line) throws CopyFailure {
        String[] parts = line.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("[0-9]{3}")) {
            throw new CopyFailure(CopyFailure.Kind.RETRY, "the source did not answer HTTP/1.x");
        }
        return Integer.parseInt(parts[1]);
    }

    private static Map<String, String> readHeaders(InputStream in) throws IOException {
        Map<String, String> headers = new HashMap<>();
        int total = 0;
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            total += line.length() + 2;
            if (total > MAX_HEAD_BYTES) {
                throw new CopyFailure(CopyFailure.Kind.REFUSED, "the source's response headers are over "
                        + MAX_HEAD_BYTES + " bytes");
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        return headers;
    }

    private static InputStream body(InputStream in, Map<String, String> headers) throws CopyFailure {
        String encoding = headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT);
        if (encoding.endsWith("chunked")) {
            return new Chunked(in);
        }
        String length = headers.get("content-length");
        if (length == null) {
            return in; // until the source closes the connection
        }
        try {
            return new Sized(in, Long.parseLong(length.trim()));
        } catch (NumberFormatException e) {
            throw new CopyFailure(CopyFailure.Kind.REFUSED, "the source sent an invalid Content-Length");
        }
    }

    /** A line ended by CRLF (or LF), without it; at most {@link #MAX_LINE_BYTES}. */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new CopyFailure(CopyFailure.Kind.RETRY, "the source closed the connection mid-response");
            }
            if (b == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            if (line.length() >= MAX_LINE_BYTES) {
                throw new CopyFailure(CopyFailure.Kind.REFUSED, "the source sent a line of over " + MAX_LINE_BYTES
                        + " bytes");
            }
            line.append((char) b);
        }
    }

    static CopyFailure timedOut() {
        return new CopyFailure(CopyFailure.Kind.RETRY, "the file did not arrive within its time "
                + "(gateway.outputs.file-timeout, or what was left of gateway.outputs.job-timeout)");
    }

    static long remainingMs(long deadline) {
        return Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
    }

    /** The socket's bytes, each read allowed only what is left of the deadline. */
    private static final class Timed extends BlockReads {

        private final Socket socket;
        private final long deadline;

        Timed(Socket socket, long deadline) throws IOException {
            super(socket.getInputStream());
            this.socket = socket;
            this.deadline = deadline;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            long left = remainingMs(deadline);
            if (left <= 0) {
                throw timedOut();
            }
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
            try {
                return in.read(buffer, offset, length);
            } catch (SocketTimeoutException e) {
                throw timedOut();
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** A body of a declared length: a connection that ends before it is an error, never a shorter file. */
    private static final class Sized extends BlockReads {

        private long left;

        Sized(InputStream in, long length) {
            super(in);
            this.left = length;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = super.read(buffer, offset, (int) Math.min(length, left));
            if (n < 0) {
                throw new CopyFailure(CopyFailure.Kind.RETRY, "the source's connection ended " + left
                        + " bytes before its Content-Length");
            }
            left -= n;
            return n;
        }
    }

    /** A chunked body (RFC 9112 section 7.1): sizes in hex, extensions and trailers skipped. */
    private static final class Chunked extends BlockReads {

        private long leftInChunk;
        private boolean done;

        Chunked(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (done) {
                return -1;
            }
            if (leftInChunk == 0) {
                String sizeLine = readLine(in);
                int semicolon = sizeLine.indexOf(';');
                String size = (semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim();
                try {
                    leftInChunk = Long.parseLong(size, 16);
                } catch (NumberFormatException e) {
                    throw new CopyFailure(CopyFailure.Kind.REFUSED, "the source sent an invalid chunk size");
                }
                if (leftInChunk < 0) {
                    throw new CopyFailure(CopyFailure.Kind.REFUSED, "the source sent an invalid chunk size");
                }
                if (leftInChunk == 0) {
                    readHeaders(in); // trailers
                    done = true;
                    return -1;
                }
            }
            int n = in.read(buffer, offset, (int) Math.min(length, leftInChunk));
            if (n < 0) {
                throw new CopyFailure(CopyFailure.Kind.RETRY, "the source's connection ended inside a chunk");
            }
            leftInChunk -= n;
            if (leftInChunk == 0 && !readLine(in).isEmpty()) {
                throw new CopyFailure(CopyFailure.Kind.REFUSED, "the source sent a chunk longer than its size");
            }
            return n;
        }
    }
}
