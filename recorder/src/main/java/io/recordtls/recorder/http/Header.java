package io.recordtls.recorder.http;

public record Header(String name, String value) {}
