/**
 * The contract between a test run and the privileged recorder it starts (the agent): typed
 * requests and replies, the line format they travel in, and whether a process may load eBPF
 * programs itself. Java 17, Jackson only: both the JUnit extension and the recorder use it.
 */
package io.recordtls.agent;
