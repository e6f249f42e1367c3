package io.recordtls.recorder.stream;

/** What a parser may ask of the stream that feeds it. */
public interface StreamControl {
    /**
     * The bytes from {@code fromAhead} to {@code untilAhead} bytes after those delivered so far are
     * not needed (a body's bytes past --max-body): they may arrive as a gap marked capped instead
     * of as bytes. Returns whether the request was taken (if not, it may be asked again later).
     */
    boolean skip(long fromAhead, long untilAhead);

    /** A control that skips nothing: every byte arrives. */
    StreamControl NONE = (from, until) -> false;
}
