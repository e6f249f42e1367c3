package io.recordtls.junit;

/** What {@link RecordTls} does with a test's HTTPS traffic. */
public enum RecordTlsMode {
    /** Record when the test's HAR is missing; otherwise replay it and fail on anything not recorded. */
    AUTO,
    /** Always record (again), through the privileged recorder. */
    RECORD,
    /** Never touch the network: replay the HAR; a missing HAR fails the test. */
    REPLAY;

    /** System property and environment variable that override the mode of every test in a run. */
    public static final String PROPERTY = "recordtls.mode";
    public static final String ENVIRONMENT = "RECORDTLS_MODE";
}
