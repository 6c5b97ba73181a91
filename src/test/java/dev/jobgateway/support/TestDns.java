package dev.jobgateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A DNS server on a UDP port of 127.0.0.1 that the test controls: it answers A queries for the names it was given
 * (with a short TTL), has no AAAA records, and, while failing, answers every query with SERVFAIL, as a resolver does
 * when its upstream is unreachable (the DNS blip of a VPC resolver). Enough of RFC 1035 for Vert.x's (Netty's)
 * resolver, pointed at it with {@code quarkus.vertx.resolver.servers}; never used for names it was not given.
 */
public final class TestDns implements AutoCloseable {

    private static final int TYPE_A = 1;
    private static final int RCODE_NXDOMAIN = 3;
    private static final int RCODE_SERVFAIL = 2;

    private final DatagramSocket socket;
    private final Map<String, byte[]> addresses = new ConcurrentHashMap<>();
    private final AtomicLong queries = new AtomicLong();
    private final int ttlSeconds;
    private volatile boolean failing;

    private TestDns(int ttlSeconds) throws SocketException {
        this.ttlSeconds = ttlSeconds;
        this.socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        Thread server = new Thread(this::serve, "test-dns-" + socket.getLocalPort());
        server.setDaemon(true);
        server.start();
    }

    /** A server whose answers live {@code ttlSeconds}. */
    public static TestDns start(int ttlSeconds) {
        try {
            return new TestDns(ttlSeconds);
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Answers {@code name} with {@code ipv4}. */
    public TestDns resolve(String name, String ipv4) {
        try {
            addresses.put(canonical(name), InetAddress.getByName(ipv4).getAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** From now on every query gets SERVFAIL. */
    public void fail() {
        failing = true;
    }

    /** Answers again. */
    public void recover() {
        failing = false;
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** {@code 127.0.0.1:port}, as a resolver setting takes it. */
    public String address() {
        return "127.0.0.1:" + port();
    }

    public long queries() {
        return queries.get();
    }

    private void serve() {
        byte[] buffer = new byte[512];
        while (!socket.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
                byte[] answer = answer(ByteBuffer.wrap(packet.getData(), 0, packet.getLength()));
                if (answer != null) {
                    socket.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
                }
            } catch (IOException | RuntimeException e) {
                // closed, or a packet that is not a query: nothing to answer
            }
        }
    }

    private byte[] answer(ByteBuffer query) {
        queries.incrementAndGet();
        int id = query.getShort() & 0xffff;
        int flags = query.getShort() & 0xffff;
        int questions = query.getShort() & 0xffff;
        query.position(12);
        if ((flags & 0x8000) != 0 || questions != 1) {
            return null;
        }
        int questionStart = query.position();
        StringBuilder name = new StringBuilder();
        for (int length = query.get() & 0xff; length > 0; length = query.get() & 0xff) {
            byte[] label = new byte[length];
            query.get(label);
            name.append(name.length() == 0 ? "" : ".")
                    .append(new String(label, java.nio.charset.StandardCharsets.US_ASCII));
        }
        int type = query.getShort() & 0xffff;
        query.getShort(); // class
        int questionEnd = query.position();
        byte[] address = addresses.get(canonical(name.toString()));
        int rcode = failing ? RCODE_SERVFAIL : address == null ? RCODE_NXDOMAIN : 0;
        boolean answered = rcode == 0 && type == TYPE_A;

        ByteBuffer reply = ByteBuffer.allocate(512);
        reply.putShort((short) id);
        // QR, the query's RD, RA, and the response code
        reply.putShort((short) (0x8000 | (flags & 0x0100) | 0x0080 | rcode));
        reply.putShort((short) 1).putShort((short) (answered ? 1 : 0)).putShort((short) 0).putShort((short) 0);
        reply.put(query.array(), query.arrayOffset() + questionStart, questionEnd - questionStart);
        if (answered) {
            reply.putShort((short) 0xc00c).putShort((short) TYPE_A).putShort((short) 1).putInt(ttlSeconds)
                    .putShort((short) 4).put(address);
        }
        byte[] bytes = new byte[reply.position()];
        reply.flip().get(bytes);
        return bytes;
    }

    private static String canonical(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    @Override
    public void close() {
        socket.close();
    }
}
