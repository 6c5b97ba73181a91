package dev.jobgateway.outputs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

/**
 * What the gateway agrees to fetch as an output file: http(s) and data URLs only, never an internal address (an AI
 * server must not make the gateway fetch its cloud's metadata or a private service), not even by a redirect, unless
 * dev/test allows private sources.
 */
class SourceFetcherTest {

    private final SourceFetcher guarded = new SourceFetcher(false, Duration.ofSeconds(2), Duration.ofSeconds(5));
    private final SourceFetcher allowing = new SourceFetcher(true, Duration.ofSeconds(2), Duration.ofSeconds(5));

    @Test
    void aPrivateOrLoopbackSourceIsRefusedWhenPrivateSourcesAreNotAllowed() throws Exception {
        HttpServer server = fileServer();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/a.png";
            assertThatThrownBy(() -> guarded.open(url, 1000)).isInstanceOf(CopyFailure.class)
                    .hasMessageContaining("private, loopback or link-local")
                    .satisfies(e -> assertThat(((CopyFailure) e).kind()).isEqualTo(CopyFailure.Kind.REFUSED));
            assertThat(allowing.open(url, 1000).body().readAllBytes()).hasSize(4);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aRedirectToAPrivateAddressIsRefused() throws Exception {
        HttpServer target = fileServer();
        HttpServer redirecting = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        redirecting.createContext("/", exchange -> {
            exchange.getResponseHeaders().set("Location", "http://169.254.169.254/latest/meta-data/");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        redirecting.start();
        try {
            // The first hop (loopback) is let through here; the redirect's target is checked like the first one.
            SourceFetcher linkLocalRefused = new SourceFetcher(InetAddress::isLinkLocalAddress, Duration.ofSeconds(2),
                    Duration.ofSeconds(5));
            String url = "http://127.0.0.1:" + redirecting.getAddress().getPort() + "/x";
            assertThatThrownBy(() -> linkLocalRefused.open(url, 1000)).isInstanceOf(CopyFailure.class)
                    .hasMessageContaining("169.254.169.254").hasMessageContaining("private");
        } finally {
            redirecting.stop(0);
            target.stop(0);
        }
    }

    @Test
    void onlyHttpAndDataUrlsAreFetched() {
        assertThatThrownBy(() -> allowing.open("file:///etc/passwd", 1000)).hasMessageContaining("only http(s)");
        assertThatThrownBy(() -> allowing.open("ftp://example.com/a.png", 1000)).hasMessageContaining("only http(s)");
        assertThatThrownBy(() -> allowing.open("gopher://127.0.0.1:6379/_FLUSHALL", 1000))
                .hasMessageContaining("only http(s)");
    }

    @Test
    void internalAddressRangesAreRecognised() throws Exception {
        for (String internal : new String[] { "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                "100.64.0.1", "0.0.0.0", "::1", "fd00::1", "fe80::1" }) {
            assertThat(SourceFetcher.isInternal(InetAddress.getByName(internal))).as(internal).isTrue();
        }
        for (String external : new String[] { "93.184.216.34", "8.8.8.8", "2606:4700::1111" }) {
            assertThat(SourceFetcher.isInternal(InetAddress.getByName(external))).as(external).isFalse();
        }
    }

    @Test
    void aDataUrlIsDecodedAndHeldToTheSizeLimit() throws Exception {
        SourceFetcher.Source source = guarded.open("data:image/png;base64,AAECAw==", 100);
        assertThat(source.contentType()).isEqualTo("image/png");
        assertThat(source.body().readAllBytes()).containsExactly(0, 1, 2, 3);
        assertThatThrownBy(() -> guarded.open("data:image/png;base64," + "A".repeat(400), 100).body().readAllBytes())
                .hasMessageContaining("larger than 100");
    }

    @Test
    void aDeclaredLengthOverTheLimitIsRefusedBeforeReading() throws Exception {
        HttpServer server = fileServer();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/a.png";
            assertThatThrownBy(() -> allowing.open(url, 3)).hasMessageContaining("larger than 3");
        } finally {
            server.stop(0);
        }
    }

    private static HttpServer fileServer() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "image/png");
            exchange.sendResponseHeaders(200, 4);
            exchange.getResponseBody().write(new byte[] { 1, 2, 3, 4 });
            exchange.close();
        });
        server.start();
        return server;
    }
}
