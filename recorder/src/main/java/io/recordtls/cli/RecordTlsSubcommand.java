package io.recordtls.cli;

/**
 * A picocli command another module adds to {@code recordtls} (the replayer's stubs and replay):
 * listed in META-INF/services/io.recordtls.cli.RecordTlsSubcommand, found on the class path.
 */
public interface RecordTlsSubcommand {}
