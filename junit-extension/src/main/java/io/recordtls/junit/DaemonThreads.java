package io.recordtls.junit;

/** Background threads that never keep a test JVM alive (Java 17: no thread builders). */
final class DaemonThreads {
    private DaemonThreads() {}

    static Thread start(String name, Runnable task) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
