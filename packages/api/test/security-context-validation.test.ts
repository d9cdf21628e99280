// Pod and container security contexts, checked with Kubernetes' messages and paths,
// and what a Bosun node cannot do refused by name.
import assert from "node:assert/strict";
import { test } from "node:test";
import { applyDefaults, dottedSysctlName, isSafeSysctl, mustResource, sysctlNamespace, validateObject, type Container, type Pod, type PodSpec, type SecurityContext } from "../src/index.js";

const pods = mustResource("pods");

function causes(spec: Partial<PodSpec>): [string | undefined, string | undefined][] {
  const pod: Pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "c", image: "busybox" }], ...spec } };
  applyDefaults(pods, pod);
  return validateObject(pods, pod).map((c) => [c.field, c.message]);
}

function withContainer(securityContext: SecurityContext, extra: Partial<Container> = {}): Partial<PodSpec> {
  return { containers: [{ name: "c", image: "busybox", securityContext, ...extra }] };
}

test("a full, valid pod and container security context is accepted", () => {
  assert.deepEqual(
    causes({
      hostPID: false,
      hostIPC: true,
      shareProcessNamespace: true,
      securityContext: {
        runAsUser: 1000,
        runAsGroup: 3000,
        runAsNonRoot: true,
        fsGroup: 2000,
        fsGroupChangePolicy: "OnRootMismatch",
        supplementalGroups: [4000, 5000],
        supplementalGroupsPolicy: "Merge",
        seLinuxChangePolicy: "Recursive",
        seLinuxOptions: { level: "s0:c123,c456" },
        sysctls: [{ name: "net.ipv4.ping_group_range", value: "0 2147483647" }, { name: "net/ipv4/ip_unprivileged_port_start", value: "80" }],
        seccompProfile: { type: "RuntimeDefault" },
        appArmorProfile: { type: "Localhost", localhostProfile: "k8s-apparmor-example" },
      },
      ...withContainer({
        runAsUser: 0,
        privileged: false,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] },
        procMount: "Default",
        seccompProfile: { type: "Localhost", localhostProfile: "profiles/audit.json" },
        appArmorProfile: { type: "Unconfined" },
      }),
    }),
    [],
  );
});

test("user and group IDs must be in range", () => {
  assert.deepEqual(causes({ securityContext: { runAsUser: -1, runAsGroup: 2147483648, fsGroup: -5, supplementalGroups: [1, -2] } }), [
    ["spec.securityContext.runAsUser", "Invalid value: -1: must be between 0 and 2147483647, inclusive"],
    ["spec.securityContext.runAsGroup", "Invalid value: 2147483648: must be between 0 and 2147483647, inclusive"],
    ["spec.securityContext.fsGroup", "Invalid value: -5: must be between 0 and 2147483647, inclusive"],
    ["spec.securityContext.supplementalGroups[1]", "Invalid value: -2: must be between 0 and 2147483647, inclusive"],
  ]);
  assert.deepEqual(causes({ initContainers: [{ name: "i", image: "busybox", securityContext: { runAsUser: -3 } }] }), [
    ["spec.initContainers[0].securityContext.runAsUser", "Invalid value: -3: must be between 0 and 2147483647, inclusive"],
  ]);
});

test("fsGroupChangePolicy, supplementalGroupsPolicy and seLinuxChangePolicy: known values; Strict and MountOption refused by name", () => {
  assert.deepEqual(causes({ securityContext: { fsGroupChangePolicy: "Sometimes" } }), [
    ["spec.securityContext.fsGroupChangePolicy", 'Unsupported value: "Sometimes": supported values: "OnRootMismatch", "Always"'],
  ]);
  const [strict] = causes({ securityContext: { supplementalGroupsPolicy: "Strict" } });
  assert.equal(strict?.[0], "spec.securityContext.supplementalGroupsPolicy");
  assert.match(strict?.[1] ?? "", /^Forbidden: Strict is not supported: Docker always adds the groups/);
  const [relabel] = causes({ securityContext: { seLinuxChangePolicy: "MountOption" } });
  assert.equal(relabel?.[0], "spec.securityContext.seLinuxChangePolicy");
  assert.match(relabel?.[1] ?? "", /^Forbidden: MountOption is not supported/);
});

test("windowsOptions and procMount Unmasked are refused by name, with why", () => {
  const win = causes({ securityContext: { windowsOptions: { runAsUserName: "ContainerUser" } }, ...withContainer({ windowsOptions: { hostProcess: false } }) });
  assert.deepEqual(win.map(([f]) => f), ["spec.securityContext.windowsOptions", "spec.containers[0].securityContext.windowsOptions"]);
  assert.match(win[0]?.[1] ?? "", /^Forbidden: Bosun runs Linux containers only/);
  assert.deepEqual(causes(withContainer({ procMount: "Unmasked" })), [
    ["spec.containers[0].securityContext.procMount", "Forbidden: `spec.hostUsers` must be false to use `Unmasked`, and Bosun does not run pods in user namespaces; use Default"],
  ]);
  assert.deepEqual(causes(withContainer({ procMount: "Masked" })), [["spec.containers[0].securityContext.procMount", 'Unsupported value: "Masked": supported values: "Default", "Unmasked"']]);
});

test("no privilege escalation cannot go with privileged or an added SYS_ADMIN", () => {
  const [priv] = causes(withContainer({ allowPrivilegeEscalation: false, privileged: true }));
  assert.equal(priv?.[0], "spec.containers[0].securityContext");
  assert.match(priv?.[1] ?? "", /: cannot set `allowPrivilegeEscalation` to false and `privileged` to true$/);
  const [admin] = causes(withContainer({ allowPrivilegeEscalation: false, capabilities: { add: ["CAP_SYS_ADMIN"] } }));
  assert.match(admin?.[1] ?? "", /: cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN$/);
  assert.deepEqual(causes(withContainer({ allowPrivilegeEscalation: true, privileged: true })), []);
});

test("seccomp and AppArmor profiles: a known type, a localhost profile exactly when Localhost", () => {
  assert.deepEqual(causes({ securityContext: { seccompProfile: { type: "Default" } } }), [
    ["spec.securityContext.seccompProfile.type", 'Unsupported value: "Default": supported values: "Localhost", "RuntimeDefault", "Unconfined"'],
  ]);
  assert.deepEqual(causes(withContainer({ seccompProfile: { type: "Localhost" } })), [
    ["spec.containers[0].securityContext.seccompProfile.localhostProfile", "Required value: must be set when seccomp type is Localhost"],
  ]);
  assert.deepEqual(causes(withContainer({ seccompProfile: { type: "Localhost", localhostProfile: "/etc/profile.json" } })), [
    ["spec.containers[0].securityContext.seccompProfile.localhostProfile", 'Invalid value: "/etc/profile.json": must be a relative path'],
  ]);
  assert.deepEqual(causes(withContainer({ seccompProfile: { type: "Localhost", localhostProfile: "a/../../b.json" } })), [
    ["spec.containers[0].securityContext.seccompProfile.localhostProfile", 'Invalid value: "a/../../b.json": must not contain \'..\''],
  ]);
  assert.match(causes(withContainer({ seccompProfile: { type: "Unconfined", localhostProfile: "x" } }))[0]?.[1] ?? "", /can only be set when seccomp type is Localhost$/);
  assert.deepEqual(causes(withContainer({ appArmorProfile: { type: "Localhost", localhostProfile: " padded" } })), [
    ["spec.containers[0].securityContext.appArmorProfile.localhostProfile", 'Invalid value: " padded": must not be padded with whitespace'],
  ]);
  assert.deepEqual(causes({ securityContext: { appArmorProfile: { type: "Localhost" } } }), [
    ["spec.securityContext.appArmorProfile.localhostProfile", "Required value: must be set when AppArmor type is Localhost"],
  ]);
  assert.match(causes(withContainer({ appArmorProfile: { type: "RuntimeDefault", localhostProfile: "x" } }))[0]?.[1] ?? "", /can only be set when AppArmor type is Localhost$/);
});

test("sysctls: well-formed unique names, none of a namespace shared with the node, only the safe set", () => {
  const sysctls = (...names: string[]) => ({ securityContext: { sysctls: names.map((name) => ({ name, value: "1" })) } });
  assert.deepEqual(causes(sysctls("kernel.shm_rmid_forced", "net.ipv4.tcp_syncookies")), []);
  assert.deepEqual(causes(sysctls("Net.IPv4")), [
    ["spec.securityContext.sysctls[0].name", 'Invalid value: "Net.IPv4": must have at most 253 characters and match regex ([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?'],
  ]);
  assert.deepEqual(causes(sysctls("net.ipv4.tcp_syncookies", "net/ipv4/tcp_syncookies")), [["spec.securityContext.sysctls[1].name", 'Duplicate value: "net/ipv4/tcp_syncookies"']]);
  assert.deepEqual(causes({ hostNetwork: true, ...sysctls("net.ipv4.tcp_syncookies") }), [
    ["spec.securityContext.sysctls[0].name", "Invalid value: \"net.ipv4.tcp_syncookies\": may not be specified when 'hostNetwork' is true"],
  ]);
  assert.deepEqual(causes({ hostIPC: true, ...sysctls("kernel.shm_rmid_forced") }), [
    ["spec.securityContext.sysctls[0].name", "Invalid value: \"kernel.shm_rmid_forced\": may not be specified when 'hostIPC' is true"],
  ]);
  const [unsafe] = causes(sysctls("kernel.msgmax"));
  assert.equal(unsafe?.[0], "spec.securityContext.sysctls[0].name");
  assert.match(unsafe?.[1] ?? "", /^Forbidden: forbidden sysctl: "kernel.msgmax" not allowlisted; Bosun nodes allow only Kubernetes' safe sysctls \(kernel.shm_rmid_forced, /);
  assert.deepEqual(causes({ securityContext: { sysctls: [{ name: "", value: "1" }] } }), [["spec.securityContext.sysctls[0].name", "Required value"]]);
});

test("sysctl names: dotted form, namespace and the safe set", () => {
  assert.equal(dottedSysctlName("net/ipv4/conf/eth0.100/rp_filter"), "net.ipv4.conf.eth0/100.rp_filter");
  assert.equal(dottedSysctlName("net.ipv4.conf.eth0/100.rp_filter"), "net.ipv4.conf.eth0/100.rp_filter");
  assert.equal(sysctlNamespace("net/ipv4/ping_group_range"), "net");
  assert.equal(sysctlNamespace("kernel.shm_rmid_forced"), "ipc");
  assert.equal(sysctlNamespace("fs.mqueue.msg_max"), "ipc");
  assert.equal(sysctlNamespace("vm.swappiness"), undefined);
  assert.equal(isSafeSysctl("net/ipv4/ip_local_port_range"), true);
  assert.equal(isSafeSysctl("net.core.somaxconn"), false);
});

test("shareProcessNamespace cannot go with hostPID", () => {
  assert.deepEqual(causes({ hostPID: true, shareProcessNamespace: true }), [
    ["spec.securityContext.shareProcessNamespace", "Invalid value: true: ShareProcessNamespace and HostPID cannot both be enabled"],
  ]);
  assert.deepEqual(causes({ hostPID: true }), []);
});

test("an unknown field of a security context is still refused by path", () => {
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "c", image: "busybox", securityContext: { runAsUsr: 1 } }] } };
  const found = validateObject(pods, pod).map((c) => c.field);
  assert.deepEqual(found, ["spec.containers[0].securityContext.runAsUsr"]);
});
