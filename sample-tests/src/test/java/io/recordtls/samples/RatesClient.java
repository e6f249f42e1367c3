package io.recordtls.samples;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Java code under test of {@link JavaRatesClientTest}: a client of a third-party rates API on
 * the JDK's HttpClient, as a service would have it (default trust, no proxy, no hooks for tests).
 */
final class RatesClient {
    private static final Pattern RATE = Pattern.compile("\"rate\"\\s*:\\s*([0-9.]+)");
    private final HttpClient http = HttpClient.newHttpClient();
    private final String api;

    RatesClient(String api) {
        this.api = api;
    }

    /** "100 EUR" in CHF, as the API's rate has it: "94.00 CHF". */
    String convert(String from, String to, int amount) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + "/v1/rates?from=" + from + "&to=" + to))
                .header("Authorization", "Bearer s3cret-rates-token").build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("rates API answered " + r.statusCode() + ": " + r.body());
        }
        Matcher m = RATE.matcher(r.body());
        if (!m.find()) {
            throw new IOException("no rate in " + r.body());
        }
        return String.format(Locale.ROOT, "%.2f %s", amount * Double.parseDouble(m.group(1)), to);
    }
}
