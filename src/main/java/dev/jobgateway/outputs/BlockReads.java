package dev.jobgateway.outputs;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A stream whose subclass checks only its block read ({@code read(byte[], int, int)}: a limit, a deadline, a framing).
 * The single-byte read and skip go through it too, so no path around the check is left (FilterInputStream's own
 * {@code skip} would go straight to the wrapped stream).
 */
abstract class BlockReads extends FilterInputStream {

    BlockReads(InputStream in) {
        super(in);
    }

    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public final long skip(long n) throws IOException {
        byte[] discard = new byte[(int) Math.min(8192, Math.max(n, 0))];
        long skipped = 0;
        while (skipped < n) {
            int read = read(discard, 0, (int) Math.min(discard.length, n - skipped));
            if (read < 0) {
                break;
            }
            skipped += read;
        }
        return skipped;
    }
}
