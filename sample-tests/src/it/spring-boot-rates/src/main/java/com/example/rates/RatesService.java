package com.example.rates;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;
import org.springframework.web.client.RestClient;

import java.util.Locale;
import java.util.Map;

/** Converts amounts with a third-party rates API, through Spring's RestClient (on the JDK's HttpClient). */
@Service
public class RatesService {
    private final RestClient rates;

    public RatesService(@Value("${rates.api}") String api, @Value("${rates.token}") String token) {
        this.rates = RestClient.builder().baseUrl(api).defaultHeader("Authorization", "Bearer " + token).build();
    }

    public String convert(int amount, String from, String to) {
        Map<?, ?> body = rates.get().uri("/v1/rates?from={from}&to={to}", from, to).retrieve().body(Map.class);
        double rate = ((Number) body.get("rate")).doubleValue();
        return String.format(Locale.ROOT, "%d %s = %.2f %s", amount, from, amount * rate, to);
    }
}
