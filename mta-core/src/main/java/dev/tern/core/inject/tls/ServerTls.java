package dev.tern.core.inject.tls;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * Server-side TLS for the injection listener: wraps an accepted plain socket after STARTTLS,
 * or makes the listening socket of an implicit-TLS (SMTPS) listener. Only the configured
 * protocols (TLS 1.2 and 1.3) are enabled, with AEAD cipher suites only unless others are
 * configured, and client-initiated TLS 1.2 renegotiation is refused (JSSE's
 * {@code jdk.tls.rejectClientInitiatedRenegotiation}, set before the first server handshake).
 */
public final class ServerTls {
    static {
        refuseClientRenegotiation();
    }

    /**
     * Makes JSSE refuse client-initiated TLS 1.2 renegotiation (unless the property is set otherwise).
     * JSSE reads the property once, when its server handshake code is first loaded: call this before
     * any server-side handshake of the JVM ({@code Main} does).
     */
    public static void refuseClientRenegotiation() {
        if (System.getProperty("jdk.tls.rejectClientInitiatedRenegotiation") == null)
            System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
    }

    private final SSLContext context;
    private final String[] protocols;
    private final String[] cipherSuites;

    public ServerTls(KeyMaterial material, List<String> protocols) {
        this(material, protocols, List.of());
    }

    /** @param cipherSuites suites to offer; empty = {@link #aeadSuites} of the JDK */
    public ServerTls(KeyMaterial material, List<String> protocols, List<String> cipherSuites) {
        this.protocols = protocols.toArray(String[]::new);
        try {
            char[] none = new char[0];
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("server", material.key(), none, material.chain().toArray(Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, none);
            context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
        this.cipherSuites = (cipherSuites.isEmpty()
                        ? aeadSuites(context.getDefaultSSLParameters().getCipherSuites())
                        : cipherSuites)
                .toArray(String[]::new);
    }

    /** The cipher suites this JDK supports (for validating {@code injection.tls.cipher_suites}). */
    public static String[] supportedCipherSuites() {
        try {
            return SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The AEAD suites among {@code suites}, in order: TLS 1.3 suites (all AEAD) and TLS 1.2
     * ECDHE/DHE suites with GCM or ChaCha20-Poly1305; no CBC, no SHA-1 MAC, no static RSA.
     */
    public static List<String> aeadSuites(String[] suites) {
        return java.util.Arrays.stream(suites)
                .filter(c -> c.startsWith("TLS_AES_")
                        || c.startsWith("TLS_CHACHA20_")
                        || ((c.startsWith("TLS_ECDHE_") || c.startsWith("TLS_DHE_"))
                                && (c.contains("_GCM_") || c.contains("CHACHA20_POLY1305"))))
                .toList();
    }

    /** The enabled cipher suites. */
    public List<String> cipherSuites() {
        return List.of(cipherSuites);
    }

    private SSLParameters parameters() {
        SSLParameters p = context.getDefaultSSLParameters();
        p.setProtocols(protocols);
        p.setCipherSuites(cipherSuites);
        p.setUseCipherSuitesOrder(true);
        p.setNeedClientAuth(false);
        return p;
    }

    /** The server side of a TLS connection over an accepted socket (for STARTTLS); the handshake is the caller's. */
    public SSLSocket wrap(Socket plain) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory()
                .createSocket(plain, plain.getInetAddress().getHostAddress(), plain.getPort(), true);
        s.setUseClientMode(false);
        s.setSSLParameters(parameters());
        return s;
    }

    /** An unbound listening socket whose connections start with a TLS handshake (SMTPS). */
    public ServerSocket serverSocket() throws IOException {
        SSLServerSocket s = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
        s.setSSLParameters(parameters());
        return s;
    }

    /** The enabled protocols. */
    public List<String> protocols() {
        return List.of(protocols);
    }
}
