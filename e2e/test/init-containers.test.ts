// Init containers, native sidecars, lifecycle hooks and activeDeadlineSeconds on a
// real master and agent (issue 11, Containers): init containers run in order, each
// appending to a shared emptyDir the app then reads, and `kubectl get pod` shows
// Init:1/2 while the second waits; one that keeps failing shows
// Init:CrashLoopBackOff; a sidecar runs beside the app (READY 2/2) and is stopped
// after it; a preStop hook writes its mark before the container gets SIGTERM, and a
// postStart hook runs once it started; a pod past its activeDeadlineSeconds fails
// with DeadlineExceeded. What containers write to a hostPath directory is read on
// the node, so the order of things is proven after the pods are gone.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe } from "node:test";
import type { Pod } from "@bosun/api";
import { e2eTest, expectSuccess, getPod, parseTable, podManifest, pods, shContainer, useCluster, waitForPod, waitForRunning, type Cluster } from "../src/index.js";

/** A container's idle loop that leaves at once on SIGTERM (sh as PID 1 ignores an untrapped one). */
const idle = "trap 'exit 0' TERM; while true; do sleep 1; done";

/** The STATUS and READY columns `kubectl get pod NAME` prints. */
async function kubectlRow(cl: Cluster, name: string): Promise<Record<string, string> | undefined> {
  const out = expectSuccess(`kubectl get pod ${name}`, await cl.kubectl(["get", "pod", name]));
  return parseTable(out.stdout).find((r) => r.NAME === name);
}

async function waitForStatusColumn(cl: Cluster, name: string, status: string, timeoutMs = 90_000): Promise<Record<string, string>> {
  return cl.waitFor(
    async (note) => {
      const row = await kubectlRow(cl, name);
      note(row ?? "no row");
      return row?.STATUS === status ? row : undefined;
    },
    { timeoutMs, what: `kubectl get pod ${name} to show STATUS ${status}` },
  );
}

/** The lines a pod's containers appended to a file of the node's hostPath directory. */
function linesOf(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l !== "") : [];
}

describe("init containers, sidecars, lifecycle hooks and active deadlines", () => {
  const c = useCluster({ agents: [{ name: "a" }] });

  e2eTest("init containers run in order before the app, which reads what they wrote; kubectl shows Init:1/2 meanwhile", c, async (cl) => {
    const work = { volumeMounts: [{ name: "work", mountPath: "/work" }] };
    await cl.client.create<Pod>(
      pods,
      podManifest("init-order", [shContainer("app", `cat /work/log; ${idle}`, work)], {
        terminationGracePeriodSeconds: 5,
        volumes: [{ name: "work", emptyDir: {} }],
        initContainers: [
          shContainer("first", "echo first >> /work/log", work),
          // Waits for the test's word, so that the pod is seen between its init containers.
          shContainer("second", "while [ ! -f /work/go ]; do sleep 0.2; done; echo second >> /work/log", work),
        ],
      }),
    );
    const row = await waitForStatusColumn(cl, "init-order", "Init:1/2");
    assert.equal(row.READY, "0/1");
    const pending = (await getPod(cl, "init-order"))!;
    assert.equal(pending.status?.phase, "Pending");
    assert.equal(pending.status?.initContainerStatuses?.[0]?.state?.terminated?.reason, "Completed");
    assert.equal(pending.status?.containerStatuses?.[0]?.state?.waiting?.reason, "PodInitializing");
    assert.equal(pending.status?.conditions?.find((x) => x.type === "Initialized")?.status, "False");

    expectSuccess("kubectl exec -c second", await cl.kubectl(["exec", "init-order", "-c", "second", "--", "touch", "/work/go"]));
    await waitForRunning(cl, "init-order");
    await cl.waitFor(
      async (note) => {
        const logs = await cl.kubectl(["logs", "init-order", "-c", "app"]);
        note(logs.stdout);
        return logs.stdout === "first\nsecond\n";
      },
      { timeoutMs: 30_000, what: "the app to print what the init containers wrote, in their order" },
    );
    const logs = expectSuccess("kubectl logs -c first", await cl.kubectl(["logs", "init-order", "-c", "first"]));
    assert.equal(logs.stdout, "", "an init container's logs are readable by name");
    const described = expectSuccess("kubectl describe pod", await cl.kubectl(["describe", "pod", "init-order"]));
    assert.match(described.stdout, /Init Containers:\n\s+first:/, described.stdout);
    const bosunDescribed = expectSuccess("bosun describe pod", await cl.bosun(["describe", "pod", "init-order"]));
    assert.match(bosunDescribed.stdout, /^Init Containers:\n {2}first:\n/m, bosunDescribed.stdout);
    assert.equal((await kubectlRow(cl, "init-order"))?.STATUS, "Running");
  });

  e2eTest("an init container that keeps failing shows Init:CrashLoopBackOff and the app never starts", c, async (cl) => {
    await cl.client.create<Pod>(
      pods,
      podManifest("init-crash", [shContainer("app", idle)], {
        terminationGracePeriodSeconds: 5,
        initContainers: [shContainer("broken", "echo cannot; exit 1")],
      }),
    );
    const row = await waitForStatusColumn(cl, "init-crash", "Init:CrashLoopBackOff");
    assert.equal(row.READY, "0/1");
    assert.match(row.RESTARTS ?? "", /^[1-9]/, `RESTARTS counts the init container's: ${JSON.stringify(row)}`);
    const pod = (await getPod(cl, "init-crash"))!;
    assert.equal(pod.status?.phase, "Pending");
    assert.equal(pod.status?.initContainerStatuses?.[0]?.lastState?.terminated?.exitCode, 1);
    assert.equal(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason, "PodInitializing");
    await cl.client.delete(pods, "init-crash", { namespace: "default" });
  });

  e2eTest("a native sidecar runs beside the app (READY 2/2) and is stopped after it", c, async (cl) => {
    const dir = join(cl.logDir, "host-data", "sidecar");
    const shared = { volumeMounts: [{ name: "shared", mountPath: "/shared" }] };
    await cl.client.create<Pod>(
      pods,
      podManifest(
        "sidecar",
        [
          shContainer(
            "app",
            "while ! grep -q sidecar-up /shared/log; do sleep 0.2; done; echo app-beside-sidecar >> /shared/log; " +
              "while [ ! -f /shared/app-go ]; do sleep 0.2; done; echo app-done >> /shared/log",
            shared,
          ),
        ],
        {
          restartPolicy: "Never",
          terminationGracePeriodSeconds: 10,
          volumes: [{ name: "shared", hostPath: { path: dir, type: "DirectoryOrCreate" } }],
          initContainers: [
            shContainer("proxy", `trap 'echo sidecar-stopped >> /shared/log; exit 0' TERM; echo sidecar-up >> /shared/log; while true; do sleep 0.2; done`, {
              ...shared,
              restartPolicy: "Always",
            }),
          ],
        },
      ),
    );
    const row = await waitForStatusColumn(cl, "sidecar", "Running");
    await cl.waitFor(async () => (await kubectlRow(cl, "sidecar"))?.READY === "2/2", { timeoutMs: 30_000, what: `READY 2/2 (was ${JSON.stringify(row)})` });
    await cl.waitFor(() => linesOf(join(dir, "log")).includes("app-beside-sidecar"), { timeoutMs: 30_000, what: "the app to see the sidecar" });

    writeFileSync(join(dir, "app-go"), "");
    const done = await waitForPod(cl, "sidecar", (p) => p.status?.phase === "Succeeded", "to succeed once the app is done");
    assert.deepEqual(linesOf(join(dir, "log")), ["sidecar-up", "app-beside-sidecar", "app-done", "sidecar-stopped"]);
    assert.equal(done.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode, 0);
    assert.equal((await kubectlRow(cl, "sidecar"))?.STATUS, "Completed");
  });

  e2eTest("postStart runs once the container started; preStop writes its mark before SIGTERM arrives", c, async (cl) => {
    const dir = join(cl.logDir, "host-data", "hooks");
    await cl.client.create<Pod>(
      pods,
      podManifest(
        "hooks",
        [
          shContainer("app", "trap 'echo sigterm >> /shared/log; exit 0' TERM; echo started >> /shared/log; while true; do sleep 0.2; done", {
            volumeMounts: [{ name: "shared", mountPath: "/shared" }],
            lifecycle: {
              postStart: { exec: { command: ["sh", "-c", "echo poststart > /shared/poststart"] } },
              preStop: { exec: { command: ["sh", "-c", "echo prestop >> /shared/log"] } },
            },
          }),
        ],
        { terminationGracePeriodSeconds: 20, volumes: [{ name: "shared", hostPath: { path: dir, type: "DirectoryOrCreate" } }] },
      ),
    );
    await waitForRunning(cl, "hooks");
    assert.equal(readFileSync(join(dir, "poststart"), "utf8"), "poststart\n", "the pod is Running only once postStart returned");

    await cl.client.delete(pods, "hooks", { namespace: "default" });
    await cl.waitFor(async () => (await getPod(cl, "hooks")) === undefined, { timeoutMs: 60_000, what: "the pod to be gone" });
    assert.deepEqual(linesOf(join(dir, "log")), ["started", "prestop", "sigterm"]);
  });

  e2eTest("a pod past its activeDeadlineSeconds is Failed with DeadlineExceeded", c, async (cl) => {
    await cl.client.create<Pod>(pods, podManifest("deadline", [shContainer("app", idle)], { activeDeadlineSeconds: 5, terminationGracePeriodSeconds: 5 }));
    const failed = await waitForPod(cl, "deadline", (p) => p.status?.phase === "Failed", "to fail at its deadline", 90_000);
    assert.equal(failed.status?.reason, "DeadlineExceeded");
    assert.equal(failed.status?.message, "Pod was active on the node longer than the specified deadline");
    const reason = expectSuccess("kubectl get pod -o jsonpath", await cl.kubectl(["get", "pod", "deadline", "-o", "jsonpath={.status.reason}"]));
    assert.equal(reason.stdout, "DeadlineExceeded");
    const events = expectSuccess("kubectl get events", await cl.kubectl(["get", "events", "--field-selector", "involvedObject.name=deadline"]));
    assert.match(events.stdout, /DeadlineExceeded/, events.stdout);
  });
});
