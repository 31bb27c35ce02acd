package dev.tern.core.tlspolicy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Fetches {@code https://mta-sts.DOMAIN/.well-known/mta-sts.txt} (RFC 8461 section 3.3): the host
 * is resolved through Tern's own resolvers, the certificate must chain to the configured trust
 * store and be valid for {@code mta-sts.DOMAIN}, redirects are not followed, only 200 counts, and
 * the whole exchange is bounded in time and size. One HTTP/1.1 GET with {@code Connection: close}
 * on a blocking TLS socket (run on a virtual thread); the body comes by {@code Content-Length},
 * chunked, or up to the close.
 */
final class StsFetcher {
    static final String PATH = "/.well-known/mta-sts.txt";
    private static final int MAX_HEADER = 16 * 1024;

    /** Why a fetch failed: the certificate (sts-webpki-invalid) or anything else (sts-policy-fetch-error). */
    static final class FetchException extends IOException {
        final boolean webPki;

        FetchException(String message, boolean webPki, Throwable cause) {
            super(message, cause);
            this.webPki = webPki;
        }
    }

    private final SSLContext tls;
    private final int port;
    private final Duration timeout;
    private final int maxSize;

    StsFetcher(SSLContext tls, int port, Duration timeout, int maxSize) {
        this.tls = tls;
        this.port = port;
        this.timeout = timeout;
        this.maxSize = maxSize;
    }

    /** The policy body of {@code domain}, fetched from one of {@code addresses} of its policy host. */
    String fetch(String domain, List<InetAddress> addresses) throws FetchException {
        String host = "mta-sts." + domain;
        long deadline = System.nanoTime() + timeout.toNanos();
        FetchException last = null;
        for (InetAddress address : addresses) {
            try {
                return fetchFrom(host, address, deadline);
            } catch (FetchException e) {
                if (e.webPki) throw e;
                last = e;
            }
        }
        throw last != null ? last : new FetchException("no address for " + host, false, null);
    }

    private String fetchFrom(String host, InetAddress address, long deadline) throws FetchException {
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(address, port), remainingMillis(deadline, host));
            plain.setSoTimeout(remainingMillis(deadline, host));
            SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(plain, host, port, true);
            SSLParameters params = socket.getSSLParameters();
            params.setServerNames(List.of(new SNIHostName(host)));
            params.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(params);
            try {
                socket.startHandshake();
            } catch (SSLHandshakeException e) {
                throw new FetchException(
                        "certificate of " + host + " is not valid (WebPKI): " + e.getMessage(), true, e);
            }
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + PATH + " HTTP/1.1\r\nHost: " + host + (port == 443 ? "" : ":" + port)
                            + "\r\nUser-Agent: Tern MTA-STS\r\nAccept: text/plain\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return readResponse(host, socket.getInputStream(), deadline, plain);
        } catch (FetchException e) {
            throw e;
        } catch (IOException e) {
            throw new FetchException("fetching https://" + host + PATH + " failed: " + e, false, e);
        }
    }

    private String readResponse(String host, InputStream in, long deadline, Socket socket) throws IOException {
        String status = readLine(in, host);
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1."))
            throw new FetchException("bad HTTP response from " + host, false, null);
        if (!parts[1].equals("200"))
            throw new FetchException("https://" + host + PATH + " answered " + status.strip(), false, null);
        long length = -1;
        boolean chunked = false;
        int headerBytes = 0;
        for (String line; !(line = readLine(in, host)).isEmpty(); ) {
            headerBytes += line.length();
            if (headerBytes > MAX_HEADER)
                throw new FetchException("response header of " + host + " too large", false, null);
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).strip();
            if (name.equals("content-length")) {
                try {
                    length = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw new FetchException("bad Content-Length from " + host, false, null);
                }
            } else if (name.equals("transfer-encoding")
                    && value.toLowerCase(Locale.ROOT).contains("chunked")) {
                chunked = true;
            }
            socket.setSoTimeout(remainingMillis(deadline, host));
        }
        if (length > maxSize)
            throw new FetchException("policy of " + host + " larger than " + maxSize + " bytes", false, null);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            while (true) {
                String sizeLine = readLine(in, host);
                int semi = sizeLine.indexOf(';');
                int size;
                try {
                    size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).strip(), 16);
                } catch (NumberFormatException e) {
                    throw new FetchException("bad chunk from " + host, false, null);
                }
                if (size == 0) break;
                if (body.size() + size > maxSize)
                    throw new FetchException("policy of " + host + " larger than " + maxSize + " bytes", false, null);
                body.write(in.readNBytes(size));
                readLine(in, host);
                socket.setSoTimeout(remainingMillis(deadline, host));
            }
        } else {
            byte[] buf = new byte[4096];
            long want = length < 0 ? Long.MAX_VALUE : length;
            while (body.size() < want) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, want - body.size()));
                if (n < 0) break;
                body.write(buf, 0, n);
                if (body.size() > maxSize)
                    throw new FetchException("policy of " + host + " larger than " + maxSize + " bytes", false, null);
                socket.setSoTimeout(remainingMillis(deadline, host));
            }
            if (length >= 0 && body.size() < length)
                throw new FetchException("policy of " + host + " cut short", false, null);
        }
        return body.toString(StandardCharsets.UTF_8);
    }

    private static String readLine(InputStream in, String host) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) throw new FetchException("connection to " + host + " closed early", false, null);
            if (sb.length() > MAX_HEADER) throw new FetchException("line from " + host + " too long", false, null);
            if (c != '\r') sb.append((char) c);
        }
        return sb.toString();
    }

    private static int remainingMillis(long deadline, String host) throws FetchException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) throw new FetchException("fetching the policy from " + host + " timed out", false, null);
        return (int) Math.min(Integer.MAX_VALUE, left);
    }
}
