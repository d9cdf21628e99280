// A pod's life on one node: apply, Running with an IP, labelled containers, logs,
// localhost between containers, restart after an outside kill, and the ways users
// look at it (bosun get/describe, kubectl).
import assert from "node:assert/strict";
import { describe } from "node:test";
import {
  BUSYBOX_IMAGE,
  docker,
  e2eTest,
  expectSuccess,
  formatResult,
  idleScript,
  parseTable,
  podContainers,
  podManifest,
  pods,
  restartCount,
  runningContainer,
  shContainer,
  useCluster,
  waitForLogs,
  waitForPod,
  waitForRunning,
} from "../src/index.js";
import type { Pod } from "@bosun/api";

describe("pod lifecycle on one node", () => {
  const c = useCluster({ agents: [{ name: "a" }] });

  e2eTest("an applied pod runs with a pod IP, labelled containers and readable logs", c, async (cl) => {
    const marker = `hello-from-bosun-${cl.runId}`;
    const manifest = [
      "apiVersion: v1",
      "kind: Pod",
      "metadata:",
      "  name: hello",
      "  labels:",
      "    app: hello",
      "spec:",
      "  containers:",
      "    - name: app",
      `      image: ${BUSYBOX_IMAGE}`,
      "      imagePullPolicy: IfNotPresent",
      `      command: ["sh", "-c", "${idleScript(marker)}"]`,
      "",
    ].join("\n");
    const applied = expectSuccess("bosun apply -f -", await cl.bosun(["apply", "-f", "-"], { input: manifest }));
    assert.match(applied.stdout, /pod\/hello (created|configured)/, formatResult("bosun apply", applied));

    const pod = await waitForRunning(cl, "hello");
    assert.equal(pod.spec.nodeName, cl.nodeName("a"));
    assert.match(pod.status?.podIP ?? "", /^\d+\.\d+\.\d+\.\d+$/, `podIP: ${pod.status?.podIP}`);
    const uid = pod.metadata.uid!;

    const containers = (await podContainers(uid)).filter((x) => x.running);
    const byName = new Map(containers.map((x) => [x.labels["bosun.io/container-name"], x]));
    assert.deepEqual([...byName.keys()].sort(), ["POD", "app"], `running containers: ${JSON.stringify(containers.map((x) => x.name))}`);
    for (const x of containers) {
      assert.equal(x.labels["bosun.io/pod-name"], "hello", `labels of ${x.name}`);
      assert.equal(x.labels["bosun.io/pod-uid"], uid, `labels of ${x.name}`);
      assert.equal(x.labels["bosun.io/pod-namespace"], "default", `labels of ${x.name}`);
      assert.equal(x.labels["bosun.io/node-name"], cl.nodeName("a"), `labels of ${x.name}`);
      assert.equal(x.labels["bosun.io/managed"], "true", `labels of ${x.name}`);
    }
    const app = byName.get("app")!;
    assert.equal(app.image, BUSYBOX_IMAGE);
    assert.equal(pod.status?.containerStatuses?.[0]?.containerID, `docker://${app.id}`);

    const ps = expectSuccess("docker ps", await docker(["ps", "--no-trunc", "--filter", `label=bosun.io/pod-uid=${uid}`, "--format", "{{.ID}}"]));
    assert.ok(ps.stdout.includes(app.id), `docker ps lists the app container ${app.id}:\n${ps.stdout}`);

    await waitForLogs(cl, ["hello"], marker);
  });

  e2eTest("bosun get -o wide/yaml/json and describe show the pod's fields", c, async (cl) => {
    const pod = await waitForRunning(cl, "hello");
    const node = cl.nodeName("a");
    const ip = pod.status!.podIP!;

    const wide = expectSuccess("bosun get pods -o wide", await cl.bosun(["get", "pods", "-o", "wide"]));
    const row = parseTable(wide.stdout).find((r) => r.NAME === "hello");
    assert.ok(row, `no row for hello in:\n${wide.stdout}`);
    assert.equal(row.READY, "1/1", wide.stdout);
    assert.equal(row.STATUS, "Running", wide.stdout);
    assert.equal(row.RESTARTS, "0", wide.stdout);
    assert.equal(row.IP, ip, wide.stdout);
    assert.equal(row.NODE, node, wide.stdout);
    assert.ok(row.AGE && row.AGE !== "", `AGE column in:\n${wide.stdout}`);

    const plain = expectSuccess("bosun get pods", await cl.bosun(["get", "pods"]));
    const plainRow = parseTable(plain.stdout).find((r) => r.NAME === "hello");
    assert.ok(plainRow && plainRow.STATUS === "Running", plain.stdout);

    const yaml = expectSuccess("bosun get pod hello -o yaml", await cl.bosun(["get", "pod", "hello", "-o", "yaml"]));
    for (const expected of [/^kind: Pod$/m, /^\s+name: hello$/m, new RegExp(`^\\s+nodeName: ${node}$`, "m"), /^\s+phase: Running$/m, new RegExp(`^\\s+podIP: ${ip.replace(/\./g, "\\.")}$`, "m"), new RegExp(`uid: ${pod.metadata.uid}`)]) {
      assert.match(yaml.stdout, expected, yaml.stdout);
    }

    const json = expectSuccess("bosun get pods/hello -o json", await cl.bosun(["get", "pods/hello", "-o", "json"]));
    const parsed = JSON.parse(json.stdout) as Pod;
    assert.equal(parsed.kind, "Pod");
    assert.equal(parsed.metadata.uid, pod.metadata.uid);
    assert.equal(parsed.status?.phase, "Running");

    const described = expectSuccess("bosun describe pod hello", await cl.bosun(["describe", "pod", "hello"]));
    for (const expected of [
      /^Name:\s+hello$/m,
      /^Namespace:\s+default$/m,
      new RegExp(`^Node:\\s+${node}`, "m"),
      /^Status:\s+Running$/m,
      new RegExp(`^IPs?:\\s+${ip.replace(/\./g, "\\.")}`, "m"),
      /^\s+app:$/m,
      new RegExp(`Image:\\s+${BUSYBOX_IMAGE.replace(/\./g, "\\.")}`),
      /Conditions:/,
      /Ready\s+True/,
    ]) {
      assert.match(described.stdout, expected, described.stdout);
    }

    const nodes = expectSuccess("bosun get nodes", await cl.bosun(["get", "nodes"]));
    const nodeRow = parseTable(nodes.stdout).find((r) => r.NAME === node);
    assert.ok(nodeRow && nodeRow.STATUS === "Ready", nodes.stdout);
  });

  e2eTest("kubectl lists the pod and the node", c, async (cl) => {
    const got = expectSuccess("kubectl get pods", await cl.kubectl(["get", "pods"]));
    const row = parseTable(got.stdout).find((r) => r.NAME === "hello");
    assert.ok(row, `kubectl get pods has no row for hello:\n${got.stdout}\n${got.stderr}`);
    const json = expectSuccess("kubectl get pod hello -o json", await cl.kubectl(["get", "pod", "hello", "-o", "json"]));
    assert.equal((JSON.parse(json.stdout) as Pod).status?.phase, "Running", json.stdout);
    const nodes = expectSuccess("kubectl get nodes", await cl.kubectl(["get", "nodes"]));
    assert.ok(nodes.stdout.includes(cl.nodeName("a")), nodes.stdout);
  });

  e2eTest("two containers of one pod reach each other over localhost", c, async (cl) => {
    const served = `served-over-localhost-${cl.runId}`;
    const pod = podManifest("two", [
      shContainer(
        "server",
        // busybox httpd without -f detaches, so the shell stays PID 1 and handles TERM.
        `trap 'exit 0' TERM; mkdir -p /www; echo ${served} > /www/index.html; httpd -p 8080 -h /www; echo serving; while true; do sleep 1; done`,
      ),
      shContainer(
        "client",
        `trap 'exit 0' TERM; until wget -qO /tmp/got http://127.0.0.1:8080/index.html; do sleep 1; done; echo "client got: $(cat /tmp/got)"; while true; do sleep 1; done`,
      ),
    ]);
    expectSuccess("bosun apply -f - (two containers)", await cl.bosun(["apply", "-f", "-"], { input: JSON.stringify(pod) }));
    await waitForRunning(cl, "two");
    await waitForLogs(cl, ["two", "-c", "client"], `client got: ${served}`);
  });

  e2eTest("a container killed with docker kill is restarted and restartCount rises", c, async (cl) => {
    await cl.client.create(pods, podManifest("crash", [shContainer("app", idleScript("up"))]));
    const pod = await waitForRunning(cl, "crash");
    const uid = pod.metadata.uid!;
    assert.equal(restartCount(pod, "app"), 0);
    const first = await runningContainer(uid, "app");
    assert.ok(first, "the app container runs in Docker");

    expectSuccess("docker kill", await docker(["kill", first.id]));

    const restarted = await waitForPod(
      cl,
      "crash",
      (p) =>
        restartCount(p, "app") >= 1 &&
        p.status?.phase === "Running" &&
        p.status.containerStatuses?.[0]?.state?.running !== undefined &&
        p.status.containerStatuses[0].containerID !== `docker://${first.id}`,
      "to report a restarted, running app container",
    );
    const second = await runningContainer(uid, "app");
    assert.ok(second, "a new app container runs in Docker");
    assert.notEqual(second.id, first.id);
    assert.equal(restarted.status?.containerStatuses?.[0]?.containerID, `docker://${second.id}`);
    const last = restarted.status?.containerStatuses?.[0]?.lastState?.terminated;
    assert.ok(last, `lastState.terminated is set: ${JSON.stringify(restarted.status?.containerStatuses?.[0])}`);
    assert.equal(last.exitCode, 137, "docker kill sends SIGKILL: exit code 128+9");
  });
});
