package dev.jobgateway.outputs;

import java.io.IOException;

/**
 * Why a file could not be copied, and whether trying again can help. An {@link IOException}, so that it can end a
 * stream that is being read (a file growing past its limit) and travel through the upload unchanged; any other
 * {@link IOException} is a network or S3 trouble and is tried again.
 */
final class CopyFailure extends IOException {

    enum Kind {
        /** The source answered that the file is gone (404, 410) or expired: it will not come back. */
        GONE,
        /** The gateway will not copy it: not an http(s) or data URL, a private address, too large. */
        REFUSED,
        /** Worth another try later: the source or S3 failed or timed out. */
        RETRY
    }

    private final Kind kind;

    CopyFailure(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    Kind kind() {
        return kind;
    }
}
