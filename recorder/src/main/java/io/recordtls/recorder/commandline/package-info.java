/**
 * What the recorder's command lines share: the agent a test run starts, sizes, stop signals and
 * failures told in one or two lines. The {@code recordtls} CLI (module recordtls-cli) builds on it.
 */
package io.recordtls.recorder.commandline;
