package dev.jobgateway.outputs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

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
    void aHostThatRebindsToAnInternalAddressAfterTheCheckIsNeverFetched() throws Exception {
        try (SourceServer internal = SourceServer.start(Duration.ofMillis(1))) {
            // "localhost" as a rebinding name: checked, it is a public address; asked again, it is the loopback
            // where the internal service listens.
            Rebinding dns = new Rebinding("localhost", InetAddress.getByName("203.0.113.7"),
                    InetAddress.getByName("127.0.0.1"));
            SourceFetcher fetcher = new SourceFetcher(SourceFetcher::isInternal, dns, Duration.ofMillis(500),
                    Duration.ofSeconds(3));

            assertThatThrownBy(() -> fetcher.open("http://localhost:" + internal.port() + "/png/4", 1000).body()
                    .readAllBytes()).isInstanceOf(CopyFailure.class);

            assertThat(internal.requests("/png/4")).as("requests that reached the internal address").isZero();
            assertThat(dns.asked()).as("resolutions of the one hop").isEqualTo(1);
        }
    }

    @Test
    void aMetadataAddressAnsweredSecondIsNeverConnectedTo() throws Exception {
        Rebinding dns = new Rebinding("files.example.test", InetAddress.getByName("203.0.113.7"),
                InetAddress.getByName("169.254.169.254"));
        SourceFetcher fetcher = new SourceFetcher(SourceFetcher::isInternal, dns, Duration.ofMillis(300),
                Duration.ofSeconds(2));

        // Connecting to the checked (public, unroutable here) address fails; a second lookup would have been refused
        // as link-local instead.
        assertThatThrownBy(() -> fetcher.open("http://files.example.test/latest/meta-data/", 1000))
                .isInstanceOf(CopyFailure.class).hasMessageNotContaining("link-local");
        assertThat(dns.asked()).isEqualTo(1);
    }

    @Test
    void theConnectionGoesToTheCheckedAddressWithTheNameAsItsHost() throws Exception {
        try (SourceServer source = SourceServer.start(Duration.ofMillis(1))) {
            Rebinding dns = new Rebinding("cdn.example.test", InetAddress.getByName("127.0.0.1"),
                    InetAddress.getByName("203.0.113.7"));
            SourceFetcher fetcher = new SourceFetcher(address -> false, dns, Duration.ofSeconds(1),
                    Duration.ofSeconds(3));

            SourceFetcher.Source file = fetcher.open("http://cdn.example.test:" + source.port() + "/png/40", 1000);

            assertThat(file.body().readAllBytes()).isEqualTo(SourceServer.png(40));
            assertThat(file.contentType()).isEqualTo("image/png");
            assertThat(source.lastHost()).isEqualTo("cdn.example.test:" + source.port());
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

    @Test
    void aMalformedDataUrlIsRefusedAsSuchNeverAnotherError() {
        for (String url : new String[] { "data:image/svg+xml;utf8,<svg width='100%'>",
                "data:image/png;base64,AAAA=AAAA", "data:image/png;base64,A", "data:image/png;base64,AA!A",
                "data:text/plain,%zz", "data:image/png;base64" }) {
            assertThatThrownBy(() -> guarded.open(url, 1000).body().readAllBytes()).as(url)
                    .isInstanceOf(CopyFailure.class)
                    .satisfies(e -> assertThat(((CopyFailure) e).kind()).isEqualTo(CopyFailure.Kind.REFUSED));
        }
    }

    @Test
    void aDataUrlsPercentEscapesAndRawCharactersAreItsBytes() throws Exception {
        assertThat(guarded.open("data:,a%20b+c%F0%9F%99%82", 100).body().readAllBytes())
                .isEqualTo("a b+c\uD83D\uDE42".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(guarded.open("data:image/png;base64,AAE%3D", 100).body().readAllBytes()).containsExactly(0, 1);
    }

    @Test
    void aSourceTricklingItsHeadersIsCutOffAtTheFilesDeadline() throws Exception {
        try (SourceServer source = SourceServer.start(Duration.ofMillis(100))) {
            SourceFetcher fetcher = new SourceFetcher(true, Duration.ofSeconds(1), Duration.ofMillis(1500));
            long started = System.nanoTime();

            assertThatThrownBy(() -> assertTimeoutPreemptively(Duration.ofSeconds(6),
                    () -> fetcher.open(source.url("/trickle-headers"), 1000).body().readAllBytes()))
                    .isInstanceOf(CopyFailure.class).hasMessageContaining("file-timeout")
                    .satisfies(e -> assertThat(((CopyFailure) e).kind()).isEqualTo(CopyFailure.Kind.RETRY));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2500));
        }
    }

    @Test
    void aSourceTricklingItsBodyIsCutOffAtTheFilesDeadline() throws Exception {
        try (SourceServer source = SourceServer.start(Duration.ofMillis(100))) {
            SourceFetcher fetcher = new SourceFetcher(true, Duration.ofSeconds(1), Duration.ofMillis(1500));
            long started = System.nanoTime();

            assertThatThrownBy(() -> assertTimeoutPreemptively(Duration.ofSeconds(6),
                    () -> fetcher.open(source.url("/trickle-body/200"), 1000).body().readAllBytes()))
                    .isInstanceOf(CopyFailure.class).hasMessageContaining("file-timeout");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2500));
        }
    }

    @Test
    void aChunkedBodyIsReadWholeAndAShortOneFailsToBeTriedAgain() throws Exception {
        try (SourceServer source = SourceServer.start(Duration.ofMillis(1))) {
            assertThat(allowing.open(source.url("/chunked/4500"), 10_000).body().readAllBytes())
                    .isEqualTo(SourceServer.png(4500));
            assertThatThrownBy(() -> allowing.open(source.url("/declares/500"), 10_000).body().readAllBytes())
                    .isInstanceOf(java.io.IOException.class)
                    .matches(e -> !(e instanceof CopyFailure failure) || failure.kind() == CopyFailure.Kind.RETRY,
                            "worth another try");
        }
    }

    @Test
    void aSourceWithoutALengthIsCutOffAtTheSizeLimit() throws Exception {
        try (SourceServer source = SourceServer.start(Duration.ofMillis(1))) {
            assertThatThrownBy(() -> assertTimeoutPreemptively(Duration.ofSeconds(10),
                    () -> allowing.open(source.url("/endless"), 1_000_000).body().readAllBytes()))
                    .hasMessageContaining("larger than 1000000");
        }
    }

    /** A name that answers {@code first} the first time it is looked up and {@code then} every time after. */
    static final class Rebinding implements HostResolver {

        private final String name;
        private final InetAddress first;
        private final InetAddress then;
        private final java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();

        Rebinding(String name, InetAddress first, InetAddress then) {
            this.name = name;
            this.first = first;
            this.then = then;
        }

        @Override
        public InetAddress[] resolve(String host) throws java.net.UnknownHostException {
            if (!host.equals(name)) {
                throw new java.net.UnknownHostException(host);
            }
            return new InetAddress[] { asked.getAndIncrement() == 0 ? first : then };
        }

        int asked() {
            return asked.get();
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
