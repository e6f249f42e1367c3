package io.recordtls.cli;

import io.recordtls.har.Redactor;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The redaction options of `record` and `stubs`: one rule set, the same defaults, the same spelling. */
final class RedactionOptions {
    @Option(names = "--redact-header", paramLabel = "NAME", description = "also redact this header's value (repeatable)")
    List<String> headers = new ArrayList<>();

    @Option(names = "--redact-param", paramLabel = "NAME",
            description = "also redact this query or form parameter's value, e.g. sig (repeatable)")
    List<String> parameters = new ArrayList<>();

    @Option(names = "--redact-json", paramLabel = "FIELD",
            description = "also redact this JSON field: a name at any depth (pin) or a path ($.user.pin) (repeatable)")
    List<String> jsonFields = new ArrayList<>();

    @Option(names = "--no-redact", description = "keep credentials (Authorization, Cookie, tokens, passwords...) as sent")
    boolean off;

    boolean enabled() {
        return !off;
    }

    Redactor.Rules rules() {
        return Redactor.Rules.defaults().withHeaders(Set.copyOf(headers)).withParameters(Set.copyOf(parameters))
                .withJsonFields(Set.copyOf(jsonFields));
    }
}
