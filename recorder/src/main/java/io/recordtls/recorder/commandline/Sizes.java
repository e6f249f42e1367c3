package io.recordtls.recorder.commandline;

import picocli.CommandLine;

import java.util.Locale;

/** "64m", "512k", "1g", "1048576" as bytes. */
public final class Sizes implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        if (v.endsWith("ib")) {
            v = v.substring(0, v.length() - 2);
        } else if (v.endsWith("b")) {
            v = v.substring(0, v.length() - 1);
        }
        switch (v.isEmpty() ? ' ' : v.charAt(v.length() - 1)) {
            case 'k' -> unit = 1L << 10;
            case 'm' -> unit = 1L << 20;
            case 'g' -> unit = 1L << 30;
            default -> { }
        }
        if (unit != 1) {
            v = v.substring(0, v.length() - 1);
        }
        try {
            long n = Long.parseLong(v.trim()) * unit;
            if (n <= 0) {
                throw new CommandLine.TypeConversionException("size must be positive: " + value);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("not a size: " + value + " (e.g. 64m, 512k, 1g)");
        }
    }
}
