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
 * protocols (TLS 1.2 and 1.3) are enabled.
 */
public final class ServerTls {
    private final SSLContext context;
    private final String[] protocols;

    public ServerTls(KeyMaterial material, List<String> protocols) {
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
    }

    private SSLParameters parameters() {
        SSLParameters p = context.getDefaultSSLParameters();
        p.setProtocols(protocols);
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
