package io.recordtls.recorder.stream;

/**
 * Puts the chunks of one direction of a connection back in stream order. The kernel numbers
 * every byte (stream offset), so a chunk that never arrived shows as a gap of known size,
 * and a call bigger than the copy limit shows where its copied part ends.
 */
public final class DirectionStream {
    private final StreamSink sink;
    private final long maxCapture;
    private long next;       // offset of the next byte expected
    private long bytes;      // bytes delivered
    private long lostBytes;  // bytes never delivered by accident
    private long cappedBytes;

    public DirectionStream(StreamSink sink, long maxCapture) {
        this.sink = sink;
        this.maxCapture = maxCapture;
    }

    /**
     * A chunk of the call that starts at {@code callOffset} in the stream and moved
     * {@code callLength} bytes; this chunk starts {@code chunkOffset} bytes into the call.
     */
    public void accept(long callOffset, long callLength, long chunkOffset, byte[] data, long tsEnter, long tsExit) {
        long at = callOffset + chunkOffset;
        if (at > next) {
            gap(at - next, false, tsEnter);
        }
        int skip = 0;
        if (at < next) { // already seen (cannot happen with one producer per direction; be safe)
            skip = (int) Math.min(data.length, next - at);
        }
        if (skip < data.length) {
            sink.onBytes(data, skip, data.length - skip, tsEnter, tsExit);
            bytes += data.length - skip;
            next = at + data.length;
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
            gap(finalLength - next, false, ts);
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
