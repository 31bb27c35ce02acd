package dev.tern.core.inject;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.core.inject.DataReader.Limits;
import dev.tern.core.inject.DataReader.Overflow;
import dev.tern.core.inject.DataReader.Result;
import dev.tern.core.inject.DataReader.Violation;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bounded memory in the DATA reader: the in-memory threshold, the memory budget, the tail. */
class DataReaderOverflowTest {
    private static final Limits LIMITS = new Limits(64L << 20, 65_536, 1 << 20, false);
    private static final int THRESHOLD = 64 * 1024;

    /** A tail that collects what it gets and notes that it was released. */
    static final class Collecting implements DataReader.Tail {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int opened;
        int headerEnd = -1;
        boolean closed;
        int largestWrite;

        @Override
        public void write(byte[] b, int off, int len) {
            if (closed) throw new IllegalStateException("write after close");
            bytes.write(b, off, len);
            largestWrite = Math.max(largestWrite, len);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** A text of random lines (some starting with a dot) of about {@code size} bytes, and its wire form. */
    record Text(byte[] text, byte[] wire) {}

    static Text text(String headers, int size, long seed) {
        Random r = new Random(seed);
        ByteArrayOutputStream text = new ByteArrayOutputStream(), wire = new ByteArrayOutputStream();
        byte[] h = headers.getBytes(ISO_8859_1);
        text.writeBytes(h);
        wire.writeBytes(h);
        while (text.size() < size) {
            int n = r.nextInt(200);
            byte[] line = new byte[n + 2];
            for (int i = 0; i < n; i++) line[i] = (byte) (32 + r.nextInt(200)); // 8-bit too
            if (n > 0 && r.nextInt(20) == 0) line[0] = '.';
            line[n] = '\r';
            line[n + 1] = '\n';
            text.writeBytes(line);
            if (n > 0 && line[0] == '.') wire.write('.');
            wire.writeBytes(line);
        }
        wire.writeBytes(".\r\nQUIT\r\n".getBytes(ISO_8859_1));
        return new Text(text.toByteArray(), wire.toByteArray());
    }

    private static Result read(byte[] wire, Overflow overflow) throws IOException {
        InputStream in = new BufferedInputStream(new DataReaderTest.Trickle(wire, 5000), 8192);
        Result r = DataReader.readData(in, LIMITS, 0, overflow);
        assertThat(new String(in.readAllBytes(), ISO_8859_1)).isEqualTo("QUIT\r\n");
        return r;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void aLargeTextGoesToTheTailAfterItsHeaderSectionAndNothingIsLost(int seed) throws IOException {
        String headers = "From: <a@x.test>\r\nSubject: big\r\n folded\r\n\r\n";
        Text t = text(headers, 3 << 20, seed);
        MemoryBudget budget = new MemoryBudget(8L << 20);
        Collecting tail = new Collecting();
        Result r;
        try (MemoryBudget.Lease lease = budget.open(DataReader.MIN_LEASE)) {
            r = read(t.wire(), new Overflow(THRESHOLD, lease, (m, end) -> {
                tail.opened++;
                tail.headerEnd = end;
                assertThat(new String(m, 0, end, ISO_8859_1)).isEqualTo(headers.substring(0, headers.length() - 2));
                return tail;
            }));
            assertThat(lease.held()).as("memory held").isLessThanOrEqualTo(2L * (THRESHOLD + 64 * 1024));
        }
        assertThat(budget.used()).isZero();
        assertThat(r.accepted()).isTrue();
        assertThat(r.tail()).isSameAs(tail);
        assertThat(tail.opened).isEqualTo(1);
        assertThat(r.size()).isEqualTo(t.text().length);
        byte[] head = Arrays.copyOf(r.buffer(), r.length());
        assertThat(r.length()).isEqualTo(tail.headerEnd);
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        whole.writeBytes(head);
        whole.writeBytes(tail.bytes.toByteArray());
        assertThat(whole.toByteArray()).isEqualTo(t.text());
        assertThat(tail.largestWrite).as("the tail is written in large blocks").isGreaterThan(32 * 1024);
    }

    @Test
    void aSmallTextStaysInMemoryWithoutATail() throws IOException {
        Text t = text("Subject: small\r\n\r\n", 20_000, 4);
        MemoryBudget budget = new MemoryBudget(1L << 20);
        try (MemoryBudget.Lease lease = budget.open(DataReader.MIN_LEASE)) {
            Result r = read(t.wire(), new Overflow(THRESHOLD, lease, (m, end) -> {
                throw new AssertionError("no tail for a small text");
            }));
            assertThat(r.tail()).isNull();
            assertThat(Arrays.copyOf(r.buffer(), r.length())).isEqualTo(t.text());
        }
        assertThat(budget.used()).isZero();
    }

    @Test
    void whenTheBudgetIsShortTheTextGoesToTheTailEarlier() throws IOException {
        Text t = text("Subject: x\r\n\r\n", 200_000, 5);
        MemoryBudget budget = new MemoryBudget(1L << 20);
        MemoryBudget.Lease other = budget.open((1L << 20) - 40 * 1024); // others hold nearly all of it
        Collecting tail = new Collecting();
        try (MemoryBudget.Lease lease = budget.open(DataReader.MIN_LEASE)) {
            Result r = read(t.wire(), new Overflow(1 << 20, lease, (m, end) -> tail));
            assertThat(r.tail()).as("spilled below the 1 MiB threshold").isSameAs(tail);
            assertThat(r.size()).isEqualTo(t.text().length);
        }
        other.close();
        assertThat(budget.used()).isZero();
    }

    @Test
    void aHeaderSectionTheBudgetCannotHoldIsRefusedWith452AndReadToItsEnd() throws IOException {
        String headers = ("X-Filler: " + "y".repeat(1000) + "\r\n").repeat(200) + "\r\n";
        Text t = text(headers, 250_000, 6);
        MemoryBudget budget = new MemoryBudget(256 * 1024);
        try (MemoryBudget.Lease lease = budget.open(DataReader.MIN_LEASE)) {
            Result r = read(t.wire(), new Overflow(THRESHOLD, lease, (m, end) -> new Collecting()));
            assertThat(r.violation()).isEqualTo(Violation.NO_MEMORY);
            assertThat(r.code() + " " + r.text()).startsWith("452 4.3.1");
            assertThat(r.tail()).isNull();
        }
        assertThat(budget.used()).isZero();
    }

    @Test
    void noMemoryAtAllStillReadsTheTextToItsEnd() throws IOException {
        Text t = text("Subject: x\r\n\r\n", 100_000, 7);
        MemoryBudget budget = new MemoryBudget(DataReader.MIN_LEASE);
        MemoryBudget.Lease all = budget.open(DataReader.MIN_LEASE);
        try (MemoryBudget.Lease none = budget.open(0)) {
            Result r = read(t.wire(), new Overflow(THRESHOLD, none, (m, end) -> new Collecting()));
            assertThat(r.violation()).isEqualTo(Violation.NO_MEMORY);
            assertThat(r.size()).isEqualTo(t.text().length);
        }
        all.close();
        assertThat(budget.used()).isZero();
    }

    @Test
    void aProblemAfterTheTailStartedReleasesTheTail() throws IOException {
        Text t = text("Subject: x\r\n\r\n", 300_000, 8);
        byte[] wire = t.wire().clone();
        wire[wire.length - 200] = 0; // a NUL near the end
        Collecting tail = new Collecting();
        MemoryBudget budget = new MemoryBudget(8L << 20);
        try (MemoryBudget.Lease lease = budget.open(DataReader.MIN_LEASE)) {
            Result r = read(wire, new Overflow(THRESHOLD, lease, (m, end) -> tail));
            assertThat(r.violation()).isEqualTo(Violation.NUL);
            assertThat(r.tail()).isNull();
        }
        assertThat(tail.closed).isTrue();
    }

    @Test
    void aFailingTailGives451AndTheSessionStaysInStep() throws IOException {
        Text t = text("Subject: x\r\n\r\n", 300_000, 9);
        MemoryBudget budget = new MemoryBudget(8L << 20);
        boolean[] closed = {false};
        try (MemoryBudget.Lease lease = budget.open(DataReader.MIN_LEASE)) {
            Result r = read(t.wire(), new Overflow(THRESHOLD, lease, (m, end) -> new DataReader.Tail() {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    throw new IOException("disk gone");
                }

                @Override
                public void close() {
                    closed[0] = true;
                }
            }));
            assertThat(r.code() + " " + r.text()).startsWith("451 4.3.0");
        }
        assertThat(closed[0]).isTrue();
    }

    @Test
    void withoutSpillTheFirstBytesAreKeptAndTheRestDropped() throws IOException {
        Text t = text("Subject: report\r\n\r\n", 500_000, 10);
        MemoryBudget budget = new MemoryBudget(8L << 20);
        try (MemoryBudget.Lease lease = budget.open(DataReader.MIN_LEASE)) {
            Result r = read(t.wire(), new Overflow(THRESHOLD, lease, null));
            assertThat(r.accepted()).isTrue();
            assertThat(r.truncated()).isTrue();
            assertThat(r.length()).isBetween(THRESHOLD / 2, THRESHOLD);
            assertThat(Arrays.copyOf(r.buffer(), r.length())).isEqualTo(Arrays.copyOf(t.text(), r.length()));
            assertThat(r.size()).isEqualTo(t.text().length);
        }
    }

    @Test
    void bdatTextsSpillToo() throws IOException {
        Text t = text("Subject: x\r\n\r\n", 400_000, 11);
        Collecting tail = new Collecting();
        MemoryBudget budget = new MemoryBudget(8L << 20);
        try (MemoryBudget.Lease lease = budget.open(0)) {
            Result r = DataReader.readAll(
                    new ByteArrayInputStream(t.text()), LIMITS, new Overflow(THRESHOLD, lease, (m, end) -> tail));
            assertThat(r.tail()).isSameAs(tail);
            ByteArrayOutputStream whole = new ByteArrayOutputStream();
            whole.write(r.buffer(), 0, r.length());
            whole.writeBytes(tail.bytes.toByteArray());
            assertThat(whole.toByteArray()).isEqualTo(t.text());
        }
    }
}
