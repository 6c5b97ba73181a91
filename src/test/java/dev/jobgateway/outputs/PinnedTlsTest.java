package dev.jobgateway.outputs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;

/**
 * An https source fetched from the address the gateway checked, not from a second lookup: TLS must still be about the
 * URL's host. A local https server with a certificate for {@code files.example.test} only (made by {@code keytool}),
 * names resolved by the test, and a fetcher that trusts that certificate.
 */
class PinnedTlsTest {

    private static final String NAME = "files.example.test";
    private static final String PASSWORD = "test-only";

    @TempDir
    static Path dir;

    private static HttpsServer server;
    private static SSLContext clientTls;
    private static final AtomicReference<String> sniSeen = new AtomicReference<>();
    private static final AtomicReference<String> hostSeen = new AtomicReference<>();

    @BeforeAll
    static void startAServerWithACertificateForOneName() throws Exception {
        Path keys = dir.resolve("source.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "source", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + NAME,
                "-ext", "SAN=dns:" + NAME, "-validity", "2", "-keystore", keys.toString(), "-storetype", "PKCS12",
                "-storepass", PASSWORD, "-keypass", PASSWORD).redirectErrorStream(true).start();
        assertThat(keytool.waitFor()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keys)) {
            keyStore.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keyStore, PASSWORD.toCharArray());
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(keyManagers.getKeyManagers(), null, null);

        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("source", keyStore.getCertificate("source"));
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, trust.getTrustManagers(), null);

        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(serverTls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters parameters = getSSLContext().getDefaultSSLParameters();
                parameters.setSNIMatchers(List.of(new SNIMatcher(StandardConstants.SNI_HOST_NAME) {
                    @Override
                    public boolean matches(SNIServerName name) {
                        sniSeen.set(new SNIHostName(name.getEncoded()).getAsciiName());
                        return true;
                    }
                }));
                params.setSSLParameters(parameters);
            }
        });
        server.createContext("/", exchange -> {
            hostSeen.set(exchange.getRequestHeaders().getFirst("Host"));
            byte[] body = SourceServer.png(64);
            exchange.getResponseHeaders().set("Content-Type", "image/png");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    @Test
    void anHttpsSourceIsFetchedFromTheCheckedAddressWithItsNameInSniHostAndCertificateCheck() throws Exception {
        SourceFetcher fetcher = fetcherResolving(NAME);

        SourceFetcher.Source source = fetcher.open("https://" + NAME + ":" + port() + "/a.png", 1000);

        assertThat(source.body().readAllBytes()).isEqualTo(SourceServer.png(64));
        assertThat(sniSeen.get()).isEqualTo(NAME);
        assertThat(hostSeen.get()).isEqualTo(NAME + ":" + port());
    }

    @Test
    void aCertificateForAnotherNameIsRefusedThoughTheAddressIsTheSame() {
        SourceFetcher fetcher = fetcherResolving("other.example.test");

        assertThatThrownBy(() -> fetcher.open("https://other.example.test:" + port() + "/a.png", 1000))
                .isInstanceOf(CopyFailure.class).hasMessageContaining("TLS")
                .satisfies(e -> assertThat(((CopyFailure) e).kind()).isEqualTo(CopyFailure.Kind.REFUSED));
    }

    /** A fetcher that finds {@code name} at the test server's address (loopback, allowed here) and nothing else. */
    private static SourceFetcher fetcherResolving(String name) {
        HostResolver dns = host -> {
            if (!host.equals(name)) {
                throw new UnknownHostException(host);
            }
            return new InetAddress[] { InetAddress.getLoopbackAddress() };
        };
        return new SourceFetcher(address -> false, dns, Duration.ofSeconds(2), Duration.ofSeconds(5),
                clientTls.getSocketFactory());
    }

    private static int port() {
        return server.getAddress().getPort();
    }
}
