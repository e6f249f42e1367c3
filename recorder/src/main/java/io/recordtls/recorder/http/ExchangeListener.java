package io.recordtls.recorder.http;

@FunctionalInterface
public interface ExchangeListener {
    void onExchange(Exchange exchange);
}
