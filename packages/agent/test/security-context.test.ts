// The security-context mapping from a pod and container to Docker's create options,
// the hook's runAsNonRoot check, Localhost seccomp profiles and AppArmor, and the
// pod's fsGroup on the volumes the agent makes.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Container, Pod, PodSpec } from "@bosun/api";
import { SecurityContextHook } from "../src/pod/hooks/security-context.js";
import {
  containerSecurityOptions,
  dockerUser,
  effectiveSecurityContext,
  parseImageUser,
  runAsNonRootViolation,
  sandboxSecurityOptions,
} from "../src/pod/security-context.js";
import type { ContainerCreateSpec, ImageDetails } from "../src/runtime/runtime.js";
import { groupReadablePayload, setVolumeOwnership, volumeOwnershipOf } from "../src/volumes/ownership.js";

const app: Container = { name: "app", image: "busybox" };

function pod(spec: Partial<PodSpec> = {}, annotations?: Record<string, string>): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", uid: "u1", ...(annotations ? { annotations } : {}) },
    spec: { containers: [app], ...spec },
  };
}

const withApparmor = { appArmorEnabled: true };

test("users and groups: the container's over the pod's; fsGroup and supplementalGroups added", () => {
  const p = pod({ securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000, 2000] } });
  assert.deepEqual(containerSecurityOptions(p, app, "infra", "", withApparmor), { user: "1000:3000", groupAdd: ["2000", "4000"], ipcMode: "container:infra" });
  const own: Container = { ...app, securityContext: { runAsUser: 5 } };
  assert.equal(containerSecurityOptions(p, own, "infra", "", withApparmor).user, "5:3000");
  assert.deepEqual(containerSecurityOptions(pod(), app, "infra", "", withApparmor), { ipcMode: "container:infra" }, "nothing asked: only the pod's shared IPC namespace");
});

test("a runAsGroup alone goes with the image's user, root when it has none", () => {
  assert.equal(dockerUser({ runAsGroup: 7 }, "nginx:nginx"), "nginx:7");
  assert.equal(dockerUser({ runAsGroup: 7 }, ""), "0:7");
  assert.equal(dockerUser({ runAsUser: 9 }, "nginx"), "9");
  assert.equal(dockerUser({}, "nginx"), undefined);
});

test("privileges, capabilities, read-only root, no_new_privs and SELinux labels", () => {
  const c: Container = {
    ...app,
    securityContext: {
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { add: ["NET_ADMIN"], drop: ["NET_RAW", "MKNOD"] },
      seLinuxOptions: { type: "spc_t", level: "s0:c1,c2" },
    },
  };
  assert.deepEqual(containerSecurityOptions(pod(), c, "infra", "", withApparmor), {
    readonlyRootfs: true,
    capAdd: ["NET_ADMIN"],
    capDrop: ["NET_RAW", "MKNOD"],
    securityOpt: ["no-new-privileges", "label=type:spc_t", "label=level:s0:c1,c2"],
    ipcMode: "container:infra",
  });
  const escalate: Container = { ...app, securityContext: { allowPrivilegeEscalation: true } };
  assert.equal(containerSecurityOptions(pod(), escalate, "infra", "", withApparmor).securityOpt, undefined, "only an explicit false sets no_new_privs");
});

test("seccomp and AppArmor: RuntimeDefault is Docker's default, Unconfined and Localhost are options; privileged drops them", () => {
  const sc = (securityContext: Container["securityContext"]): Container => ({ ...app, securityContext });
  const host = { appArmorEnabled: true, seccompLocalhostJson: '{"defaultAction":"SCMP_ACT_ALLOW"}' };
  assert.deepEqual(containerSecurityOptions(pod(), sc({ seccompProfile: { type: "RuntimeDefault" }, appArmorProfile: { type: "RuntimeDefault" } }), "i", "", host).securityOpt, undefined);
  assert.deepEqual(containerSecurityOptions(pod(), sc({ seccompProfile: { type: "Unconfined" }, appArmorProfile: { type: "Unconfined" } }), "i", "", host).securityOpt, [
    "seccomp=unconfined",
    "apparmor=unconfined",
  ]);
  assert.deepEqual(
    containerSecurityOptions(pod(), sc({ seccompProfile: { type: "Localhost", localhostProfile: "p.json" }, appArmorProfile: { type: "Localhost", localhostProfile: "k8s-example" } }), "i", "", host).securityOpt,
    ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}', "apparmor=k8s-example"],
  );
  assert.deepEqual(containerSecurityOptions(pod(), sc({ privileged: true, seccompProfile: { type: "Unconfined" } }), "i", "", host), { privileged: true, ipcMode: "container:i" });
  const podLevel = pod({ securityContext: { seccompProfile: { type: "Unconfined" } } });
  assert.deepEqual(containerSecurityOptions(podLevel, app, "i", "", host).securityOpt, ["seccomp=unconfined"], "the pod's profile applies to its containers");
});

test("AppArmor asked for on a node without it is refused with the kubelet's message; Unconfined is fine", () => {
  const c: Container = { ...app, securityContext: { appArmorProfile: { type: "RuntimeDefault" } } };
  assert.throws(() => containerSecurityOptions(pod(), c, "i", "", { appArmorEnabled: false }), /^Error: Cannot enforce AppArmor: AppArmor is not enabled on the host$/);
  const unconfined: Container = { ...app, securityContext: { appArmorProfile: { type: "Unconfined" } } };
  assert.deepEqual(containerSecurityOptions(pod(), unconfined, "i", "", { appArmorEnabled: false }).securityOpt, ["apparmor=unconfined"]);
});

test("the deprecated seccomp and AppArmor annotations count where no field is set", () => {
  const annotated = pod({}, {
    "seccomp.security.alpha.kubernetes.io/pod": "runtime/default",
    "container.seccomp.security.alpha.kubernetes.io/app": "unconfined",
    "container.apparmor.security.beta.kubernetes.io/app": "localhost/k8s-example",
  });
  assert.deepEqual(effectiveSecurityContext(annotated, app).seccompProfile, { type: "Unconfined" });
  assert.deepEqual(effectiveSecurityContext(annotated, app).appArmorProfile, { type: "Localhost", localhostProfile: "k8s-example" });
  const other: Container = { name: "other", image: "busybox" };
  assert.deepEqual(effectiveSecurityContext(annotated, other).seccompProfile, { type: "RuntimeDefault" }, "the pod annotation for the others");
  const field: Container = { ...app, securityContext: { seccompProfile: { type: "RuntimeDefault" } } };
  assert.deepEqual(effectiveSecurityContext(annotated, field).seccompProfile, { type: "RuntimeDefault" }, "the field wins");
  const bad = pod({}, { "container.apparmor.security.beta.kubernetes.io/app": "enforce" });
  assert.throws(() => effectiveSecurityContext(bad, app), /container\.apparmor\.security\.beta\.kubernetes\.io\/app: invalid AppArmor profile name: "enforce"/);
});

test("namespaces: hostPID and hostIPC on the sandbox and the containers; the containers join the sandbox's IPC namespace, and its PID namespace with shareProcessNamespace", () => {
  assert.deepEqual(sandboxSecurityOptions(pod({ hostPID: true, hostIPC: true })), { pidMode: "host", ipcMode: "host" });
  assert.deepEqual(containerSecurityOptions(pod({ hostPID: true, hostIPC: true }), app, "infra1", "", withApparmor), { pidMode: "host", ipcMode: "host" });
  assert.deepEqual(containerSecurityOptions(pod({ shareProcessNamespace: true }), app, "infra1", "", withApparmor), { pidMode: "container:infra1", ipcMode: "container:infra1" });
  assert.deepEqual(sandboxSecurityOptions(pod({ shareProcessNamespace: true })), { ipcMode: "shareable" }, "the sandbox keeps its own PID namespace, which the containers join, and shares its IPC one");
});

test("sysctls: on the sandbox, which owns the network and IPC namespaces the containers join", () => {
  const p = pod({ securityContext: { sysctls: [{ name: "net/ipv4/ping_group_range", value: "0 1000" }, { name: "kernel.shm_rmid_forced", value: "1" }] } });
  assert.deepEqual(sandboxSecurityOptions(p), { ipcMode: "shareable", sysctls: { "net.ipv4.ping_group_range": "0 1000", "kernel.shm_rmid_forced": "1" } });
  assert.deepEqual(containerSecurityOptions(p, app, "i", "", withApparmor), { ipcMode: "container:i" });
});

test("runAsNonRoot: the kubelet's messages for a root image, a named user and runAsUser 0", () => {
  const p = pod({ securityContext: { runAsNonRoot: true } });
  assert.equal(runAsNonRootViolation(p, app, ""), 'container has runAsNonRoot and image will run as root (pod: "web_default(u1)", container: app)');
  assert.equal(runAsNonRootViolation(p, app, "0:0"), 'container has runAsNonRoot and image will run as root (pod: "web_default(u1)", container: app)');
  assert.equal(runAsNonRootViolation(p, app, "nginx"), 'container has runAsNonRoot and image has non-numeric user (nginx), cannot verify user is non-root (pod: "web_default(u1)", container: app)');
  assert.equal(runAsNonRootViolation(p, app, "1000:1000"), undefined);
  const asRoot: Container = { ...app, securityContext: { runAsUser: 0 } };
  assert.equal(runAsNonRootViolation(p, asRoot, "1000"), `container's runAsUser breaks non-root policy (pod: "web_default(u1)", container: app)`);
  const asUser: Container = { ...app, securityContext: { runAsUser: 1000 } };
  assert.equal(runAsNonRootViolation(p, asUser, ""), undefined, "runAsUser decides over the image");
  const allowed: Container = { ...app, securityContext: { runAsNonRoot: false } };
  assert.equal(runAsNonRootViolation(p, allowed, ""), undefined, "the container's false overrides the pod's true");
  assert.deepEqual(parseImageUser("www-data:www-data"), { username: "www-data" });
});

function createSpec(infra = "infra1"): ContainerCreateSpec {
  return { name: "n", image: "busybox", labels: {}, env: [], networkMode: `container:${infra}` };
}

function hookWith(images: Record<string, string>, seccompDir = "/nonexistent", appArmor = false): { hook: SecurityContextHook; inspected: string[] } {
  const inspected: string[] = [];
  const runtime = {
    async inspectImage(ref: string): Promise<ImageDetails | undefined> {
      inspected.push(ref);
      const user = images[ref];
      return user === undefined ? undefined : { id: `sha256:${ref}`, user };
    },
  };
  return { hook: new SecurityContextHook({ runtime, seccompDir, appArmorEnabled: async () => appArmor }), inspected };
}

test("the hook refuses a root image under runAsNonRoot, and asks the image only when a setting depends on it", async () => {
  const { hook, inspected } = hookWith({ busybox: "", "app:1": "1000" });
  const strict = pod({ securityContext: { runAsNonRoot: true } });
  await assert.rejects(hook.containerSpec(strict, app, createSpec()), { message: 'container has runAsNonRoot and image will run as root (pod: "web_default(u1)", container: app)' });
  const spec = createSpec();
  await hook.containerSpec(strict, { name: "app", image: "app:1" }, spec);
  assert.equal(spec.user, undefined, "the image's own non-root user runs");
  inspected.length = 0;
  const plain = createSpec();
  await hook.containerSpec(pod({ shareProcessNamespace: true }), app, plain);
  assert.deepEqual(inspected, [], "no image lookup when nothing needs it");
  assert.equal(plain.pidMode, "container:infra1");
});

test("the hook reads a Localhost seccomp profile from its directory, and says where it looked when it is missing", async () => {
  const dir = await mkdtemp(join(tmpdir(), "bosun-seccomp-"));
  try {
    await mkdir(join(dir, "profiles"));
    await writeFile(join(dir, "profiles", "allow.json"), '{\n  "defaultAction": "SCMP_ACT_ALLOW"\n}\n');
    const { hook } = hookWith({}, dir);
    const c = (localhostProfile: string): Container => ({ ...app, securityContext: { seccompProfile: { type: "Localhost", localhostProfile } } });
    const spec = createSpec();
    await hook.containerSpec(pod(), c("profiles/allow.json"), spec);
    assert.deepEqual(spec.securityOpt, ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}']);
    await assert.rejects(hook.containerSpec(pod(), c("missing.json"), createSpec()), (err: Error) => {
      assert.match(err.message, new RegExp(`^cannot load seccomp profile "${dir}/missing.json": .*ENOENT.*; put the profile in the agent's seccomp directory ${dir} on this node$`));
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the hook's sandbox share: host namespaces and network sysctls", () => {
  const { hook } = hookWith({});
  const spec = createSpec();
  hook.sandboxSpec(pod({ hostIPC: true, securityContext: { sysctls: [{ name: "net.ipv4.tcp_syncookies", value: "1" }] } }), spec);
  assert.equal(spec.ipcMode, "host");
  assert.deepEqual(spec.sysctls, { "net.ipv4.tcp_syncookies": "1" });
});

test("fsGroup: group, group bits and setgid through a volume, its symlinks left as they are; OnRootMismatch skips a volume already right", async () => {
  const dir = await mkdtemp(join(tmpdir(), "bosun-fsgroup-"));
  try {
    await mkdir(join(dir, "sub"), { mode: 0o700 });
    await writeFile(join(dir, "sub", "f"), "x", { mode: 0o600 });
    await symlink("sub/f", join(dir, "link"));
    const ownership = volumeOwnershipOf(pod({ securityContext: { fsGroup: 2345 } }));
    assert.deepEqual(ownership, { fsGroup: 2345, onRootMismatch: false });
    await setVolumeOwnership(dir, ownership!, false);
    const sub = await stat(join(dir, "sub"));
    assert.equal(sub.gid, 2345);
    assert.equal(sub.mode & 0o7777, 0o2770, "directories: the group's rwx and setgid");
    const file = await stat(join(dir, "sub", "f"));
    assert.equal(file.gid, 2345);
    assert.equal(file.mode & 0o7777, 0o660, "files: the group's rw");
    await setVolumeOwnership(join(dir, "sub"), { fsGroup: 2345, onRootMismatch: false }, true);
    assert.equal((await stat(join(dir, "sub", "f"))).mode & 0o7777, 0o660, "read-only adds only read bits, removes none");

    await writeFile(join(dir, "sub", "later"), "y", { mode: 0o600 });
    await setVolumeOwnership(dir, { fsGroup: 2345, onRootMismatch: true }, false);
    const later = await stat(join(dir, "sub", "later"));
    assert.equal(later.gid, 2345, "setgid: what is created in the volume belongs to the group");
    assert.equal(later.mode & 0o7777, 0o600, "OnRootMismatch: the root is right, nothing walked");
    assert.equal(volumeOwnershipOf(pod()), undefined);
    assert.equal(await readFile(join(dir, "link"), "utf8"), "x");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("fsGroup: links a container put in a volume, to a file or a directory outside it, change nothing outside", async () => {
  const root = await mkdtemp(join(tmpdir(), "bosun-fsgroup-links-"));
  try {
    const outside = join(root, "outside");
    await mkdir(join(outside, "dir"), { recursive: true, mode: 0o700 });
    await writeFile(join(outside, "secret"), "s", { mode: 0o600 });
    await writeFile(join(outside, "dir", "inner"), "i", { mode: 0o600 });
    const before = await Promise.all(["", "secret", "dir", "dir/inner"].map((p) => stat(join(outside, p))));
    const volume = join(root, "volume");
    await mkdir(volume);
    await symlink(join(outside, "secret"), join(volume, "to-file"));
    await symlink(join(outside, "dir"), join(volume, "to-dir"));
    await symlink("../outside", join(volume, "relative"));
    await setVolumeOwnership(volume, { fsGroup: 2346, onRootMismatch: false }, false);
    const after = await Promise.all(["", "secret", "dir", "dir/inner"].map((p) => stat(join(outside, p))));
    for (const [i, st] of after.entries()) {
      assert.equal(st.gid, before[i]!.gid, "the group outside the volume is unchanged");
      assert.equal(st.mode, before[i]!.mode, "the mode outside the volume is unchanged");
    }
    assert.equal((await stat(volume)).gid, 2346);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("a read-only volume's payload carries the group's read bits, so a refresh does not rewrite it", () => {
  const payload = groupReadablePayload(new Map([["key", { data: new Uint8Array([1]), mode: 0o400 }]]));
  assert.equal(payload.get("key")?.mode, 0o440);
});
