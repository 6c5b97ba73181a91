package dev.jobgateway.lambda;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay in front of Redis that can forget its connections the way a NAT gateway or a load balancer does
 * after an idle timeout: nothing is closed, no FIN or RST is sent, bytes simply stop flowing. A client that reuses
 * such a connection after a Lambda thaw waits until its command times out. New connections keep working.
 */
final class SilentDropProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int targetPort;
    private final List<Link> links = new CopyOnWriteArrayList<>();

    private SilentDropProxy(ServerSocket server, int targetPort) {
        this.server = server;
        this.targetPort = targetPort;
    }

    static SilentDropProxy start(int targetPort) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        SilentDropProxy proxy = new SilentDropProxy(server, targetPort);
        Thread acceptor = new Thread(proxy::acceptLoop, "silent-drop-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
        return proxy;
    }

    int port() {
        return server.getLocalPort();
    }

    /** Connections relayed so far that still carry bytes. */
    long liveConnections() {
        return links.stream().filter(link -> !link.dropped && !link.client.isClosed()).count();
    }

    /** Every connection open now stops carrying bytes, silently and for good. */
    void dropExistingSilently() {
        links.forEach(link -> link.dropped = true);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2000);
                Link link = new Link(client, upstream);
                links.add(link);
                pump(link, client, upstream, "to-redis");
                pump(link, upstream, client, "from-redis");
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    private static void pump(Link link, Socket from, Socket to, String direction) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream()) {
                OutputStream out = to.getOutputStream();
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    if (link.dropped) {
                        continue; // swallowed, like packets a NAT no longer maps
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
                if (!link.dropped) {
                    link.close();
                }
            } catch (IOException e) {
                if (!link.dropped) {
                    link.close();
                }
            }
        }, "silent-drop-proxy-" + direction);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
        links.forEach(Link::close);
    }

    private static final class Link {
        final Socket client;
        final Socket upstream;
        volatile boolean dropped;

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void close() {
            try {
                client.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            try {
                upstream.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
