package io.recordtls.replayer.server;

import com.github.tomakehurst.wiremock.standalone.MappingsSource;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.stubbing.StubMappings;

import java.util.List;

/**
 * The stubs a replay server starts with and returns to on a reset, already parsed. WireMock's
 * own source would read the mapping files a second time (the server reads them first to know
 * which hosts need certificates), and parsing is most of a big recording's start. Nothing is
 * saved: a replay server never writes into the recording it serves, so a stub made
 * {@code persistent()} lives as long as the server.
 */
final class ServedStubs implements MappingsSource {
    private volatile List<StubMapping> stubs;

    ServedStubs(List<StubMapping> stubs) {
        this.stubs = List.copyOf(stubs);
    }

    /** What the next reset loads. */
    void replaceWith(List<StubMapping> next) {
        stubs = List.copyOf(next);
    }

    @Override
    public void loadMappingsInto(StubMappings mappings) {
        stubs.forEach(mappings::addMapping);
    }

    @Override
    public void save(List<StubMapping> stubMappings) {}

    @Override
    public void save(StubMapping stubMapping) {}

    @Override
    public void remove(StubMapping stubMapping) {}

    @Override
    public void removeAll() {}
}
