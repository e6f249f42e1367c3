package io.recordtls.har;

/** Something wrong in a HAR file: which file, which entry (-1: the file itself), what. */
public record HarProblem(String file, int entry, String message) {
    @Override
    public String toString() {
        return file + (entry >= 0 ? ": entry " + entry : "") + ": " + message;
    }
}
