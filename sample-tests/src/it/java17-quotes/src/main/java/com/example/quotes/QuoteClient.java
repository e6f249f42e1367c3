package com.example.quotes;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Fetches stock quotes from a third-party HTTPS API with the JDK's HttpClient. */
public final class QuoteClient {
    private final HttpClient http = HttpClient.newHttpClient();
    private final URI api;
    private final String token;

    public QuoteClient(URI api, String token) {
        this.api = api;
        this.token = token;
    }

    public String quote(String symbol) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(api.resolve("/v1/quote?symbol=" + symbol))
                .header("Authorization", "Bearer " + token).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("quote API answered " + response.statusCode());
        }
        return response.body();
    }
}
