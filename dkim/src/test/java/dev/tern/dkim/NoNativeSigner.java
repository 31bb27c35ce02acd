package dev.tern.dkim;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * Run in a child JVM by {@link SigningEngineTest}: prints which engine the keys took and their
 * signatures of a fixed message, for a comparison with the parent's native signatures.
 */
final class NoNativeSigner {
    private NoNativeSigner() {}

    public static void main(String[] args) {
        System.out.print("reason: " + SigningEngine.nativeUnavailableReason() + "\n");
        System.out.print(report(DkimKey.load(Path.of(args[0])), DkimKey.load(Path.of(args[1]))));
    }

    /** The engines, then both keys' DKIM-Signature fields of a fixed message at a fixed time. */
    static String report(DkimKey ed, DkimKey rsa) {
        byte[] message = SigningEngineTest.message("no native", 20);
        Clock clock = Clock.fixed(Instant.ofEpochSecond(1_800_000_000L), ZoneOffset.UTC);
        return "native=" + SigningEngine.nativeAvailable() + " preferred=" + SigningEngine.preferred() + " ed="
                + ed.engine() + " rsa=" + rsa.engine() + "\n"
                + MultiSigner.of(
                                SignerSettings.of("tern.example", "ed", ed).withClock(clock),
                                SignerSettings.of("tern.example", "rsa", rsa).withClock(clock))
                        .sign(message);
    }
}
