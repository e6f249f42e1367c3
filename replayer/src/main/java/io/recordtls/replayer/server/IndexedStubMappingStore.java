package io.recordtls.replayer.server;

import com.github.tomakehurst.wiremock.common.FileSource;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.matching.RequestMatcherExtension;
import com.github.tomakehurst.wiremock.matching.RequestPattern;
import com.github.tomakehurst.wiremock.store.DefaultStores;
import com.github.tomakehurst.wiremock.store.InMemoryStubMappingStore;
import com.github.tomakehurst.wiremock.store.StubMappingStore;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.stubbing.SubEvent;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * WireMock's in-memory stub store with an index by method and path. WireMock matches a request
 * against every stub in turn (wiremock/wiremock#1153), which made replay of a big recording
 * slow in proportion to its size. Here only the stubs for the request's method and path are
 * matched, plus every stub the index cannot place (URL regexes, templates...), in WireMock's own
 * order and with WireMock's own matching. Stubs are also found by id without a scan: WireMock
 * looks each one up by id as it loads it, which made loading n stubs cost n^2/2 comparisons
 * (8 s for 10k stubs).
 */
final class IndexedStubMappingStore extends InMemoryStubMappingStore {
    /** WireMock's order: priority, then the newest first. */
    private static final Comparator<StubMapping> ORDER = (a, b) -> {
        int byPriority = a.comparePriorityWith(b);
        return byPriority != 0 ? byPriority : Long.compare(b.getInsertionIndex(), a.getInsertionIndex());
    };

    private final Map<String, NavigableSet<StubMapping>> byRoute = new ConcurrentHashMap<>();
    private final NavigableSet<StubMapping> unindexed = new ConcurrentSkipListSet<>(ORDER);
    private final Map<UUID, StubMapping> byId = new ConcurrentHashMap<>();

    /** WireMock's default stores, with this stub store. */
    static final class Stores extends DefaultStores {
        private final IndexedStubMappingStore stubs = new IndexedStubMappingStore();

        Stores(FileSource root) {
            super(root);
        }

        @Override
        public StubMappingStore getStubStore() {
            return stubs;
        }
    }

    @Override
    public void add(StubMapping stub) {
        super.add(stub); // assigns the insertion index the order needs
        index(stub).add(stub);
        byId.put(stub.getId(), stub);
    }

    @Override
    public Optional<StubMapping> get(UUID id) {
        return Optional.ofNullable(byId.get(id));
    }

    @Override
    public void remove(StubMapping stub) {
        super.remove(stub);
        index(stub).remove(stub);
        byId.remove(stub.getId());
    }

    @Override
    public void replace(StubMapping existing, StubMapping updated) {
        super.replace(existing, updated);
        index(existing).remove(existing);
        index(updated).add(updated);
        byId.remove(existing.getId());
        byId.put(updated.getId(), updated);
    }

    @Override
    public void clear() {
        super.clear();
        byRoute.clear();
        unindexed.clear();
        byId.clear();
    }

    @Override
    public Stream<StubMapping> findAllMatchingRequest(Request request, Map<String, RequestMatcherExtension> customMatchers,
                                                      Consumer<SubEvent> subEventConsumer) {
        String path = path(request.getUrl());
        NavigableSet<StubMapping> exact = byRoute.get(request.getMethod().getName() + " " + path), any = byRoute.get("ANY " + path);
        java.util.Collection<StubMapping> candidates;
        if (unindexed.isEmpty() && any == null) {
            // a recording's usual case: one route, already in WireMock's order, matched without a copy
            candidates = exact == null ? List.of() : exact;
        } else {
            TreeSet<StubMapping> merged = new TreeSet<>(ORDER);
            merged.addAll(unindexed);
            if (exact != null) {
                merged.addAll(exact);
            }
            if (any != null) {
                merged.addAll(any);
            }
            candidates = merged;
        }
        // WireMock's own matching, sub-events and all, over the candidates only
        StubMappingStore view = new StubMappingStore() {
            @Override
            public Stream<StubMapping> getAll() {
                return candidates.stream();
            }

            @Override
            public Optional<StubMapping> get(UUID id) {
                return IndexedStubMappingStore.this.get(id);
            }

            @Override
            public void add(StubMapping stub) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void replace(StubMapping existing, StubMapping updated) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void remove(StubMapping stub) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void clear() {
                throw new UnsupportedOperationException();
            }
        };
        return view.findAllMatchingRequest(request, customMatchers, subEventConsumer);
    }

    private NavigableSet<StubMapping> index(StubMapping stub) {
        RequestPattern p = stub.getRequest();
        String path = p.getUrl() != null ? path(p.getUrl()) : p.getUrlPath();
        if (path == null || p.getMethod() == null) {
            return unindexed;
        }
        return byRoute.computeIfAbsent(p.getMethod().getName() + " " + path, k -> new ConcurrentSkipListSet<>(ORDER));
    }

    private static String path(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }
}
