package io.recordtls.cli;

import io.recordtls.har.HarProblem;
import io.recordtls.replayer.stubs.StubGenerator;
import io.recordtls.replayer.stubs.StubOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "stubs", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Turns HAR files (from recordtls, browsers' DevTools, mitmproxy...) into WireMock stub mappings:",
                "DIR/mappings/*.json and DIR/__files/*, loadable by any WireMock. Re-running on the same HAR",
                "rewrites the same files. A request recorded several times replays its responses in order.",
                "", "Example:", "  recordtls stubs api.har -o src/test/resources/wiremock"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every entry converted", "1:some entries could not be converted (listed); the rest were",
                "2:usage error", "125:nothing could be read or written"})
final class StubsCommand implements Callable<Integer> {
    @Parameters(paramLabel = "HAR", arity = "1..*", description = "HAR files to convert")
    List<Path> hars = new ArrayList<>();

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", required = true, description = "where to write mappings/ and __files/")
    Path output;

    @Option(names = "--match-header", paramLabel = "NAME", description = "request header a stub requires (repeatable; default: Content-Type)")
    List<String> matchHeaders = new ArrayList<>(List.of("Content-Type"));

    @Option(names = "--any-host", description = "match requests whatever their host and port (default: the recorded ones)")
    boolean anyHost;

    @Option(names = "--ignore-query", paramLabel = "NAME", description = "query parameter that changes every run: not matched (repeatable)")
    List<String> ignoreQuery = new ArrayList<>();

    @Option(names = "--ignore-json", paramLabel = "PATH", description = "JSON request body field that changes every run, e.g. meta.requestId: not matched (repeatable)")
    List<String> ignoreJson = new ArrayList<>();

    @Option(names = "--repeat-last", description = "after the recorded responses of a repeated request, keep serving the last one")
    boolean repeatLast;

    @Option(names = "--reencode", description = "serve bodies with their recorded Content-Encoding (gzip, deflate, zstd) instead of decoded")
    boolean reencode;

    @CommandLine.Mixin
    RedactionOptions redaction = new RedactionOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        for (Path har : hars) {
            if (!Files.isReadable(har)) {
                err.println("recordtls: " + har + ": no such file");
                return 125;
            }
        }
        StubOptions options = StubOptions.defaults().withMatchHeaders(Set.copyOf(matchHeaders)).withMatchHost(!anyHost)
                .withIgnored(Set.copyOf(ignoreQuery), ignoreJson).withRepeatLast(repeatLast).withReencode(reencode)
                .withRedaction(redaction.enabled() ? redaction.rules() : null);
        try {
            // written as they are made: a HAR of any size is converted in the memory of one entry
            StubGenerator.Written stubs = new StubGenerator(options).writeHars(hars, output);
            for (HarProblem p : stubs.problems()) {
                err.println("recordtls: " + p);
            }
            if (stubs.mappings() == 0 && !stubs.problems().isEmpty()) {
                err.println("recordtls: nothing to convert");
                return 125;
            }
            for (String n : stubs.notes()) {
                err.println("recordtls: note: " + n);
            }
            if (!stubs.redacted().isEmpty()) {
                StringBuilder what = new StringBuilder();
                stubs.redacted().forEach((name, times) -> what.append(what.isEmpty() ? "" : ", ").append(name)
                        .append(times > 1 ? " (" + times + "x)" : ""));
                err.println("recordtls: redacted in the stubs (--no-redact keeps them): " + what);
            }
            out.printf("recordtls: %d stub mapping%s and %d body file%s in %s%n", stubs.mappings(),
                    stubs.mappings() == 1 ? "" : "s", stubs.bodyFiles(), stubs.bodyFiles() == 1 ? "" : "s", output);
            out.printf("recordtls: serve them with 'recordtls replay %s' (or any WireMock: --root-dir %s)%n", output, output);
            if (!stubs.problems().isEmpty()) {
                long skipped = stubs.problems().stream().filter(p -> p.entry() >= 0).count();
                err.printf("recordtls: %d entr%s skipped (listed above)%n", skipped, skipped == 1 ? "y" : "ies");
            }
            out.flush();
            err.flush();
            return stubs.problems().isEmpty() ? 0 : 1;
        } catch (IOException e) {
            err.println("recordtls: " + e.getMessage());
            return 125;
        } catch (OutOfMemoryError e) {
            // one entry is held at a time: only a single body bigger than the heap gets here
            err.println("recordtls: out of memory: an entry's body is larger than this JVM's heap can hold; "
                    + "give it more (JAVA_OPTS=-Xmx...)");
            return 125;
        }
    }
}
