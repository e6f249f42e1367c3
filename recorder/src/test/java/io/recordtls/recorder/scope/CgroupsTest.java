package io.recordtls.recorder.scope;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Container ids in the cgroup paths runtimes make. */
class CgroupsTest {
    static final String ID = "7cdeb6f84e8d5b0e44c4c0f5e7e0b1c7a3c4e1f2d3b4a5968778695a4b3c2d1e";
    static final String INNER = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    @Test
    void findsTheIdAsEachRuntimeNamesIt() {
        assertThat(Cgroups.containerIdIn("/docker/" + ID)).hasValue(ID);                          // cgroupfs driver
        assertThat(Cgroups.containerIdIn("/recordtls-4242/" + ID)).hasValue(ID);                  // under our parent
        assertThat(Cgroups.containerIdIn("/system.slice/docker-" + ID + ".scope")).hasValue(ID);  // systemd driver
        assertThat(Cgroups.containerIdIn("/kubepods.slice/kubepods-pod1.slice/cri-containerd-" + ID + ".scope")).hasValue(ID);
        assertThat(Cgroups.containerIdIn("/docker/" + ID + "/docker/" + INNER)).hasValue(INNER);  // the innermost
    }

    @Test
    void aProcessOutsideContainersHasNone() {
        assertThat(Cgroups.containerIdIn("/")).isEmpty();
        assertThat(Cgroups.containerIdIn("/user.slice/user-1000.slice/session-2.scope")).isEmpty();
        assertThat(Cgroups.containerIdIn("/docker/" + ID.substring(0, 63))).isEmpty();
    }
}
