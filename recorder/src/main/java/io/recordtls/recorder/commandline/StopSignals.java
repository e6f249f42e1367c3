package io.recordtls.recorder.commandline;

import sun.misc.Signal;

import java.util.List;
import java.util.function.IntConsumer;

/**
 * SIGINT and SIGTERM for commands that must finish their work (write the HAR, report) before
 * exiting. sun.misc.Signal is the only API that says which signal came.
 */
public final class StopSignals {
    private StopSignals() {}

    /** Calls {@code handler} with the signal's number on SIGINT or SIGTERM. */
    public static void onStop(IntConsumer handler) {
        for (String name : List.of("INT", "TERM")) {
            Signal.handle(new Signal(name), s -> handler.accept(s.getNumber()));
        }
    }
}
