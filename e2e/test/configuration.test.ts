// A pod's environment from the cluster's configuration, on a real master and agent
// (issue 10, E2E 1): variables from ConfigMap and Secret keys, whole ConfigMaps
// and Secrets under a prefix, the pod's own fields (name, IP, node) and a
// container resource, and $(VAR) expansion in values and the command, all checked
// inside the container with `kubectl exec ... env`. A key that is missing keeps
// the container in CreateContainerConfigError (as kubectl get shows it) until the
// key is added; then it runs. The agent reads them with its node's certificate,
// which the apiserver allows only for what its pods use.
import assert from "node:assert/strict";
import { describe } from "node:test";
import { resourceByKind, type ConfigMap, type Pod, type Secret } from "@bosun/api";
import { e2eTest, expectSuccess, getPod, podManifest, pods, shContainer, useCluster, waitForPod, waitForRunning, type Cluster } from "../src/index.js";

const configMaps = resourceByKind("v1", "ConfigMap")!;
const secrets = resourceByKind("v1", "Secret")!;

const trap = "trap 'exit 0' TERM;";

/** The container's environment as `kubectl exec ... env` prints it, by name. */
async function envInside(cl: Cluster, pod: string): Promise<Map<string, string>> {
  const out = expectSuccess(`kubectl exec ${pod} -- env`, await cl.kubectl(["exec", pod, "--", "env"])).stdout;
  const vars = new Map<string, string>();
  for (const line of out.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) vars.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return vars;
}

/** Fails with the variable's name and what the container holds instead. */
function assertVars(vars: Map<string, string>, expected: Record<string, string>): void {
  for (const [name, value] of Object.entries(expected)) assert.equal(vars.get(name), value, `${name} inside the container`);
}

describe("configuration: a pod's environment from ConfigMaps, Secrets and its own fields", () => {
  const c = useCluster({ agents: [{ name: "a" }] });

  e2eTest("env from ConfigMap and Secret keys, envFrom with a prefix, pod fields, a resource and $(VAR) expansion, seen inside the container", c, async (cl) => {
    // Created through the API as JSON: what is checked here is the pod's side.
    await cl.client.create<ConfigMap>(configMaps, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "app-config", namespace: "default" },
      data: { greeting: "hello", LOG_LEVEL: "debug", "log.format": "json" },
    });
    await cl.client.create<Secret>(secrets, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "db-credentials", namespace: "default" },
      type: "Opaque",
      stringData: { username: "admin", password: "s3cr3t=with=equals" },
    });
    const field = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
    await cl.client.create<Pod>(
      pods,
      podManifest(
        "env-demo",
        [
          shContainer("main", `${trap} echo "started: $(MESSAGE)"; while true; do sleep 1; done`, {
            resources: { limits: { memory: "64Mi", cpu: "250m" } },
            envFrom: [
              { prefix: "CFG_", configMapRef: { name: "app-config" } },
              { prefix: "DB_", secretRef: { name: "db-credentials" } },
              { configMapRef: { name: "not-there", optional: true } },
            ],
            env: [
              { name: "GREETING", valueFrom: { configMapKeyRef: { name: "app-config", key: "greeting" } } },
              { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "db-credentials", key: "password" } } },
              { name: "MAYBE", valueFrom: { secretKeyRef: { name: "db-credentials", key: "not-there", optional: true } } },
              field("POD_NAME", "metadata.name"),
              field("POD_NAMESPACE", "metadata.namespace"),
              field("POD_UID", "metadata.uid"),
              field("POD_LABEL", "metadata.labels['e2e.bosun.io/pod']"),
              field("POD_IP", "status.podIP"),
              field("NODE_NAME", "spec.nodeName"),
              field("HOST_IP", "status.hostIP"),
              { name: "MEMORY_MI", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
              { name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
              { name: "MESSAGE", value: "$(GREETING) from $(POD_NAME) at $(POD_IP) on $(NODE_NAME)" },
              { name: "ESCAPED", value: "$$(GREETING)" },
              { name: "UNKNOWN", value: "$(NOT_DEFINED) stays" },
              { name: "CFG_greeting", value: "overridden by env" },
            ],
          }),
        ],
        { terminationGracePeriodSeconds: 5 },
      ),
    );
    const running = await waitForRunning(cl, "env-demo");
    const podIP = running.status?.podIP ?? "";
    const node = cl.nodeName("a");
    assert.equal(running.spec.nodeName, node);

    const vars = await envInside(cl, "env-demo");
    assertVars(vars, {
      GREETING: "hello",
      PASSWORD: "s3cr3t=with=equals",
      CFG_LOG_LEVEL: "debug",
      "CFG_log.format": "json",
      CFG_greeting: "overridden by env",
      DB_username: "admin",
      DB_password: "s3cr3t=with=equals",
      POD_NAME: "env-demo",
      POD_NAMESPACE: "default",
      POD_UID: running.metadata.uid ?? "",
      POD_LABEL: "env-demo",
      POD_IP: podIP,
      NODE_NAME: node,
      HOST_IP: running.status?.hostIP ?? "",
      MEMORY_MI: "64",
      // 250m rounds up to one whole CPU.
      CPU: "1",
      MESSAGE: `hello from env-demo at ${podIP} on ${node}`,
      ESCAPED: "$(GREETING)",
      UNKNOWN: "$(NOT_DEFINED) stays",
    });
    assert.ok(!vars.has("MAYBE"), "an optional key that is missing leaves the variable out");
    assert.ok(podIP !== "" && running.status?.hostIP, "the pod has its IP and its node's");

    // $(VAR) in the command too: the shell saw the expanded text.
    const logs = await cl.waitFor(
      async (note) => {
        const r = await cl.kubectl(["logs", "env-demo"]);
        note(r.stdout + r.stderr);
        return r.code === 0 && r.stdout.includes("started:") ? r.stdout : undefined;
      },
      { timeoutMs: 30_000, what: "the pod's first log line" },
    );
    assert.match(logs, new RegExp(`^started: hello from env-demo at ${podIP.replaceAll(".", "\\.")} on ${node}$`, "m"));
  });

  e2eTest("a missing key keeps the container in CreateContainerConfigError; it runs once the key is added", c, async (cl) => {
    await cl.client.create<ConfigMap>(configMaps, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "late-config", namespace: "default" }, data: { other: "x" } });
    await cl.client.create<Pod>(
      pods,
      podManifest(
        "env-late",
        [shContainer("main", `${trap} while true; do sleep 1; done`, { env: [{ name: "LATE", valueFrom: { configMapKeyRef: { name: "late-config", key: "late-key" } } }] })],
        { terminationGracePeriodSeconds: 5 },
      ),
    );
    const message = "couldn't find key late-key in ConfigMap default/late-config";
    const waiting = await waitForPod(cl, "env-late", (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CreateContainerConfigError", "to wait with CreateContainerConfigError");
    assert.equal(waiting.status?.containerStatuses?.[0]?.state?.waiting?.message, message);
    assert.equal(waiting.status?.phase, "Pending");

    const table = expectSuccess("kubectl get pod", await cl.kubectl(["get", "pod", "env-late", "--no-headers"])).stdout;
    assert.match(table, /^env-late\s+0\/1\s+CreateContainerConfigError\s+0\s+/);
    const described = expectSuccess("kubectl get events", await cl.kubectl(["get", "events", "--field-selector", "involvedObject.name=env-late", "-o", "jsonpath={.items[*].message}"])).stdout;
    assert.ok(described.includes(`Error: ${message}`), `the pod's events say what is missing: ${described}`);

    await cl.client.patch(configMaps, "late-config", { data: { "late-key": "arrived" } }, { namespace: "default" });
    await waitForRunning(cl, "env-late");
    assertVars(await envInside(cl, "env-late"), { LATE: "arrived" });
    assert.equal((await getPod(cl, "env-late"))?.status?.containerStatuses?.[0]?.restartCount, 0, "the container was created once, when it could be");
  });
});
