// Security contexts on a real master and agent (issue 11, Security context): a pod
// applied with kubectl runs as its runAsUser and runAsGroup with its fsGroup and
// supplementalGroups (`id` in the container), its emptyDir belongs to the fsGroup,
// a write to its read-only root fails; runAsNonRoot keeps a root image from starting
// with the kubelet's CreateContainerConfigError message; with NET_RAW dropped ping
// fails and with it kept it works; a container is not privileged unless asked; what
// a node cannot do (an unsafe sysctl) is refused by the API by name.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe } from "node:test";
import type { Pod } from "@bosun/api";
import { e2eTest, expectSuccess, getPod, podManifest, pods, shContainer, useCluster, waitForPod, waitForRunning, type Cluster } from "../src/index.js";

/** A container's idle loop that leaves at once on SIGTERM (sh as PID 1 ignores an untrapped one). */
const idle = "trap 'exit 0' TERM; while true; do sleep 1; done";

/** Applies a manifest with kubectl, as a user would. */
async function kubectlApply(cl: Cluster, pod: Pod): Promise<void> {
  const file = join(cl.logDir, `${pod.metadata.name ?? "pod"}.json`);
  writeFileSync(file, JSON.stringify(pod, null, 2));
  expectSuccess(`kubectl apply -f ${file}`, await cl.kubectl(["apply", "-f", file]));
}

/** `kubectl exec POD -c C -- sh -c SCRIPT`: its exit code and output. */
async function shIn(cl: Cluster, pod: string, container: string, script: string): Promise<{ code: number; out: string }> {
  const r = await cl.kubectl(["exec", pod, "-c", container, "--", "sh", "-c", script]);
  return { code: r.code, out: r.stdout + r.stderr };
}

/** The capability bits of a process, from the CapEff line of /proc/self/status. */
function effectiveCapabilities(status: string): bigint {
  const m = /CapEff:\s+([0-9a-f]+)/.exec(status);
  assert.ok(m, `a CapEff line in ${status}`);
  return BigInt(`0x${m[1]}`);
}

const CAP_NET_RAW = 13n;
const CAP_SYS_ADMIN = 21n;

describe("security contexts", () => {
  const c = useCluster({ agents: [{ name: "a" }] });

  e2eTest("runAsUser, runAsGroup, supplementalGroups and fsGroup as id shows them; the emptyDir belongs to the fsGroup; the read-only root refuses writes", c, async (cl) => {
    await kubectlApply(
      cl,
      podManifest("ids", [shContainer("app", idle, { volumeMounts: [{ name: "data", mountPath: "/data" }], securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false } })], {
        terminationGracePeriodSeconds: 5,
        securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000] },
        volumes: [{ name: "data", emptyDir: {} }],
      }),
    );
    const pod = await waitForRunning(cl, "ids");
    assert.deepEqual(pod.spec.securityContext, { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000] }, "stored as sent");
    assert.deepEqual(await shIn(cl, "ids", "app", "id -u"), { code: 0, out: "1000\n" });
    assert.deepEqual(await shIn(cl, "ids", "app", "id -g"), { code: 0, out: "3000\n" });
    const groups = await shIn(cl, "ids", "app", "id -G");
    assert.deepEqual(groups.out.trim().split(" ").sort(), ["2000", "3000", "4000"], groups.out);
    assert.deepEqual(await shIn(cl, "ids", "app", "touch /data/made && stat -c '%g %A' /data /data/made"), { code: 0, out: "2000 drwxrwsrwx\n2000 -rw-r--r--\n" });
    const write = await shIn(cl, "ids", "app", "touch /not-allowed");
    assert.notEqual(write.code, 0);
    assert.match(write.out, /Read-only file system/);
    assert.match((await shIn(cl, "ids", "app", "grep NoNewPrivs /proc/self/status")).out, /NoNewPrivs:\s+1/);
    await cl.client.delete(pods, "ids", { namespace: "default" });
  });

  e2eTest("runAsNonRoot keeps the root busybox image from starting, with the kubelet's message", c, async (cl) => {
    await kubectlApply(cl, podManifest("rooted", [shContainer("app", idle)], { securityContext: { runAsNonRoot: true } }));
    const pod = await waitForPod(cl, "rooted", (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CreateContainerConfigError", "to wait with CreateContainerConfigError");
    assert.equal(
      pod.status?.containerStatuses?.[0]?.state?.waiting?.message,
      `container has runAsNonRoot and image will run as root (pod: "rooted_default(${pod.metadata.uid ?? ""})", container: app)`,
    );
    assert.equal(pod.status?.phase, "Pending");
    const described = expectSuccess("kubectl describe pod rooted", await cl.kubectl(["describe", "pod", "rooted"]));
    assert.match(described.stdout, /Error: container has runAsNonRoot and image will run as root/, described.stdout);
    await cl.client.delete(pods, "rooted", { namespace: "default" });
  });

  e2eTest("with NET_RAW dropped ping fails, with it kept ping works; a container is not privileged unless asked; the containers share the pod's IPC namespace", c, async (cl) => {
    await kubectlApply(
      cl,
      podManifest("caps", [shContainer("noraw", idle, { securityContext: { capabilities: { drop: ["NET_RAW"] } } }), shContainer("raw", idle)], { terminationGracePeriodSeconds: 5 }),
    );
    await waitForRunning(cl, "caps");
    const dropped = await shIn(cl, "caps", "noraw", "ping -c1 -W2 127.0.0.1");
    assert.notEqual(dropped.code, 0, `ping without NET_RAW: ${dropped.out}`);
    const kept = await shIn(cl, "caps", "raw", "ping -c1 -W2 127.0.0.1");
    assert.equal(kept.code, 0, `ping with NET_RAW: ${kept.out}`);
    const caps = effectiveCapabilities((await shIn(cl, "caps", "raw", "cat /proc/self/status")).out);
    assert.equal((caps >> CAP_NET_RAW) & 1n, 1n, "Docker's default set has NET_RAW");
    assert.equal((caps >> CAP_SYS_ADMIN) & 1n, 0n, "privileged is false by default: no SYS_ADMIN");
    const withoutRaw = effectiveCapabilities((await shIn(cl, "caps", "noraw", "cat /proc/self/status")).out);
    assert.equal((withoutRaw >> CAP_NET_RAW) & 1n, 0n);
    // A pod's containers share one IPC namespace, the sandbox's, and each has its own PID one.
    const ns = async (container: string, kind: string) => (await shIn(cl, "caps", container, `readlink /proc/self/ns/${kind}`)).out.trim();
    assert.match(await ns("raw", "ipc"), /^ipc:\[\d+\]$/);
    assert.equal(await ns("raw", "ipc"), await ns("noraw", "ipc"), "one IPC namespace per pod");
    assert.notEqual(await ns("raw", "pid"), await ns("noraw", "pid"), "a PID namespace per container without shareProcessNamespace");
    await cl.client.delete(pods, "caps", { namespace: "default" });
  });

  e2eTest("an unsafe sysctl is refused by the API by name, and nothing is stored", c, async (cl) => {
    const file = join(cl.logDir, "unsafe-sysctl.json");
    writeFileSync(file, JSON.stringify(podManifest("unsafe", [shContainer("app", idle)], { securityContext: { sysctls: [{ name: "kernel.msgmax", value: "65536" }] } })));
    const r = await cl.kubectl(["apply", "-f", file]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.securityContext\.sysctls\[0\]\.name: Forbidden: forbidden sysctl: "kernel\.msgmax" not allowlisted/, r.stderr);
    assert.equal(await getPod(cl, "unsafe"), undefined);
  });
});

