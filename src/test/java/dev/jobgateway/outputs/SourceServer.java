package dev.jobgateway.outputs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An output file's source as hostile AI servers serve one, on a raw socket so that every byte's timing is ours:
 * <ul>
 * <li>{@code /png/<bytes>}: a PNG of that size (signature, then zeros), {@code image/png};
 * <li>{@code /typed/<url-encoded content type>}: a small HTML body served as that type (say {@code text/html});
 * <li>{@code /trickle-headers}: the response's header bytes one every {@link #gap}, never done within a test;
 * <li>{@code /trickle-body/<bytes>}: the headers at once, then the body one byte every {@link #gap};
 * <li>{@code /chunked/<bytes>}: a PNG of that size in chunks of 1,000 bytes ({@code Transfer-Encoding: chunked});
 * <li>{@code /declares/<bytes>}: a {@code Content-Length} of that size, then 10 bytes and a closed connection;
 * <li>{@code /endless}: {@code image/png} without a length, bytes until the client goes away;
 * <li>{@code /pause/<bytes>/<total>}: a PNG of {@code total} bytes whose first {@code bytes} come at once, the rest
 * once {@link #release} is called.
 * </ul>
 * A query is ignored (it only makes URLs distinct). Every request is counted by path and query ({@link #requests}),
 * with its {@code Host} header ({@link #lastHost}).
 */
public final class SourceServer implements AutoCloseable {

    static final String HTML = "<html><script>alert(document.domain)</script></html>";

    private final ServerSocket socket;
    private final ExecutorService threads = Executors.newCachedThreadPool(run -> {
        Thread thread = new Thread(run, "source-server");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    private final Duration gap;
    private final java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);
    private volatile String lastHost;

    private SourceServer(ServerSocket socket, Duration gap) {
        this.socket = socket;
        this.gap = gap;
    }

    /** A server on 127.0.0.1 (a free port) whose trickling paths send a byte every {@code gap}. */
    public static SourceServer start(Duration gap) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        SourceServer server = new SourceServer(socket, gap);
        server.threads.execute(server::accept);
        return server;
    }

    int port() {
        return socket.getLocalPort();
    }

    /** {@code http://127.0.0.1:<port><path>}. */
    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    /** Requests received for {@code path}. */
    public int requests(String path) {
        AtomicInteger count = requests.get(path);
        return count == null ? 0 : count.get();
    }

    /** The {@code Host} header of the last request. */
    String lastHost() {
        return lastHost;
    }

    /** Lets {@code /pause/...} sources send the rest. */
    void release() {
        released.countDown();
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket connection = socket.accept();
                threads.execute(() -> serve(connection));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket connection) {
        try (connection;
                InputStream in = connection.getInputStream();
                OutputStream out = connection.getOutputStream()) {
            String head = readHead(in);
            String path = head.split(" ")[1];
            for (String line : head.split("\r\n")) {
                if (line.regionMatches(true, 0, "Host:", 0, 5)) {
                    lastHost = line.substring(5).trim();
                }
            }
            requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            respond(path, out);
        } catch (IOException | InterruptedException gone) {
            // the client went away (cut off at its deadline): nothing to do
        }
    }

    private void respond(String path, OutputStream out) throws IOException, InterruptedException {
        String[] parts = path.replaceFirst("\\?.*$", "").split("/", 3);
        String kind = parts.length > 1 ? parts[1] : "";
        String arg = parts.length > 2 ? parts[2] : "";
        switch (kind) {
            case "png" -> {
                byte[] body = png(Integer.parseInt(arg));
                out.write(head(200, "image/png", "Content-Length: " + body.length));
                out.write(body);
            }
            case "typed" -> {
                byte[] body = HTML.getBytes(StandardCharsets.UTF_8);
                out.write(head(200, URLDecoder.decode(arg, StandardCharsets.UTF_8), "Content-Length: " + body.length));
                out.write(body);
            }
            case "trickle-headers" -> {
                byte[] head = head(200, "image/png", "X-Padding: " + "x".repeat(2_000));
                trickle(head, out);
            }
            case "trickle-body" -> {
                byte[] body = png(Integer.parseInt(arg));
                out.write(head(200, "image/png", "Content-Length: " + body.length));
                trickle(body, out);
            }
            case "chunked" -> {
                byte[] body = png(Integer.parseInt(arg));
                out.write(head(200, "image/png", "Transfer-Encoding: chunked"));
                for (int from = 0; from < body.length; from += 1_000) {
                    int length = Math.min(1_000, body.length - from);
                    out.write((Integer.toHexString(length) + ";ext=1\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body, from, length);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            case "declares" -> {
                out.write(head(200, "image/png", "Content-Length: " + arg));
                out.write(png(10));
            }
            case "pause" -> {
                String[] sizes = arg.split("/");
                byte[] body = png(Integer.parseInt(sizes[1]));
                int first = Integer.parseInt(sizes[0]);
                out.write(head(200, "image/png", "Content-Length: " + body.length));
                out.write(body, 0, first);
                out.flush();
                released.await();
                out.write(body, first, body.length - first);
            }
            case "endless" -> {
                out.write(head(200, "image/png", null));
                byte[] block = new byte[64 * 1024];
                while (true) {
                    out.write(block);
                }
            }
            default -> out.write(head(404, "text/plain", "Content-Length: 0"));
        }
        out.flush();
    }

    private static byte[] head(int status, String type, String extra) {
        return ("HTTP/1.1 " + status + (status == 200 ? " OK" : " Not Found") + "\r\nContent-Type: " + type + "\r\n"
                + (extra == null ? "" : extra + "\r\n") + "Connection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A PNG signature followed by zeros, {@code size} bytes in all. */
    static byte[] png(int size) {
        byte[] bytes = new byte[size];
        byte[] signature = { (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
        System.arraycopy(signature, 0, bytes, 0, Math.min(size, signature.length));
        return bytes;
    }

    /** A slow server: byte by byte, {@code gap} apart in real time, which is what the fetcher's timeouts measure. */
    private void trickle(byte[] bytes, OutputStream out) throws IOException, InterruptedException {
        for (byte b : bytes) {
            out.write(b);
            out.flush();
            Thread.sleep(gap.toMillis());
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            head.append((char) b);
            if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                break;
            }
        }
        return head.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
        threads.shutdownNow();
    }
}
