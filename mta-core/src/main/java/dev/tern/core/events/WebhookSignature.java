package dev.tern.core.events;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature of a webhook request ({@code events.webhook.secret}): header {@value #HEADER}
 * {@code t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>}. A receiver recomputes
 * the HMAC over the timestamp, a dot and the raw request body, compares it in constant time, and
 * refuses a timestamp too far from its clock (replays).
 */
public final class WebhookSignature {
    /** The request header carrying the signature. */
    public static final String HEADER = "X-Tern-Signature";

    private WebhookSignature() {}

    /** The header value for {@code body} sent at {@code time}. */
    public static String header(byte[] secret, Instant time, byte[] body) {
        long t = time.getEpochSecond();
        return "t=" + t + ",v1=" + HexFormat.of().formatHex(hmac(secret, t, body));
    }

    /** True when {@code header} signs {@code body} with {@code secret} and its time is within {@code tolerance} of {@code now}. */
    public static boolean verify(String header, byte[] body, byte[] secret, Instant now, Duration tolerance) {
        if (header == null) return false;
        Long t = null;
        byte[] given = null;
        for (String part : header.split(",")) {
            String p = part.strip();
            try {
                if (p.startsWith("t=")) t = Long.parseLong(p.substring(2));
                else if (p.startsWith("v1=")) given = HexFormat.of().parseHex(p.substring(3));
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        if (t == null || given == null) return false;
        if (Math.abs(now.getEpochSecond() - t) > tolerance.toSeconds()) return false;
        return MessageDigest.isEqual(given, hmac(secret, t, body));
    }

    private static byte[] hmac(byte[] secret, long t, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((t + ".").getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
