package io.recordtls.recorder.stream;

/**
 * Puts the chunks of one direction of a connection back in stream order. The kernel numbers
 * every byte (stream offset), so a chunk that never arrived shows as a gap of known size,
 * and a call bigger than the copy limit shows where its copied part ends.
 */
public final class DirectionStream implements StreamControl {
    private final StreamSink sink;
    private final long maxCapture;
    /** Tells the kernel the range of stream offsets whose bytes need not be copied. */
    private final Skipper skipper;
    private long skipFrom, skipUntil; // bytes in [skipFrom, skipUntil) are not copied on purpose (asked for by skip)
    private long next;       // offset of the next byte expected
    private long bytes;      // bytes delivered
    private long lostBytes;  // bytes never delivered by accident
    private long cappedBytes;

    /** Where a skip range goes: the kernel side, which then counts those bytes without copying them. */
    public interface Skipper {
        void skip(long from, long until);
    }

    public DirectionStream(StreamSink sink, long maxCapture) {
        this(sink, maxCapture, (from, until) -> { });
    }

    public DirectionStream(StreamSink sink, long maxCapture, Skipper skipper) {
        this.sink = sink;
        this.maxCapture = maxCapture;
        this.skipper = skipper;
    }

    /** One range per direction at a time: a new one is taken once the stream is past the last. */
    @Override
    public boolean skip(long fromAhead, long untilAhead) {
        if (next < skipUntil || fromAhead < 0 || untilAhead <= fromAhead) {
            return false;
        }
        skipFrom = next + fromAhead;
        skipUntil = next + untilAhead;
        skipper.skip(skipFrom, skipUntil);
        return true;
    }

    /**
     * A chunk of the call that starts at {@code callOffset} in the stream and moved
     * {@code callLength} bytes; this chunk starts {@code chunkOffset} bytes into the call.
     */
    public void accept(long callOffset, long callLength, long chunkOffset, byte[] data, long tsEnter, long tsExit) {
        long at = callOffset + chunkOffset;
        if (at > next) {
            missing(at - next, tsEnter);
        }
        int skip = 0;
        if (at < next) { // already seen (cannot happen with one producer per direction; be safe)
            skip = (int) Math.min(data.length, next - at);
        }
        if (skip < data.length) {
            bytes += data.length - skip;
            next = at + data.length; // before the sink, which may ask to skip from here
            sink.onBytes(data, skip, data.length - skip, tsEnter, tsExit);
        }
        long copiedEnd = callOffset + Math.min(callLength, maxCapture);
        long callEnd = callOffset + callLength;
        if (callLength > maxCapture && next >= copiedEnd && next < callEnd) {
            // the kernel copied this call up to maxCapture on purpose: the rest is not lost
            gap(callEnd - next, true, tsExit);
        }
    }

    /** The stream ended at {@code finalLength} bytes (known at close): a missing tail is a gap. */
    public void end(long finalLength, long ts) {
        if (finalLength > next) {
            missing(finalLength - next, ts);
        }
    }

    /** Bytes that did not arrive: those in the skip range were not copied on purpose, the rest are lost. */
    private void missing(long length, long ts) {
        long end = next + length;
        long skippedFrom = Math.max(next, skipFrom), skippedUntil = Math.min(end, skipUntil);
        if (skippedUntil <= skippedFrom) {
            gap(length, false, ts);
            return;
        }
        if (skippedFrom > next) {
            gap(skippedFrom - next, false, ts);
        }
        gap(skippedUntil - skippedFrom, true, ts);
        if (end > skippedUntil) {
            gap(end - skippedUntil, false, ts);
        }
    }

    private void gap(long length, boolean capped, long ts) {
        if (capped) {
            cappedBytes += length;
        } else {
            lostBytes += length;
        }
        next += length;
        sink.onGap(length, capped, ts);
    }

    public long bytes() {
        return bytes;
    }

    public long lostBytes() {
        return lostBytes;
    }

    public long cappedBytes() {
        return cappedBytes;
    }
}
