// Service accounts on a real master and agent (issue 11, Service accounts and the
// E2E items "a pod with a service account token lists pods through client-node's
// in-cluster config" and "`kubectl create token` prints a token the API accepts"):
// a new namespace gets its `default` ServiceAccount and kube-root-ca.crt from the
// controllers; a pod gets the kube-api-access volume and, through the agent, a
// token bound to it, the cluster CA and its namespace, with which
// @kubernetes/client-node's loadFromCluster() lists the namespace's pods; a token
// from `kubectl create token` is accepted as the account, and one bound to a pod
// is refused once the pod is gone.
import assert from "node:assert/strict";
import { realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe } from "node:test";
import { rootCaConfigMapName, resourceByKind, serviceAccountMountPath, type ConfigMap, type Pod, type ServiceAccount } from "@bosun/api";
import { ApiClient, ApiError, isNotFound } from "@bosun/client";
import { e2eTest, expectSuccess, getPod, idleScript, podManifest, pods, repoRoot, shContainer, useCluster, waitForLogs, waitForPod, waitForRunning, type Cluster } from "../src/index.js";

const serviceAccounts = resourceByKind("v1", "ServiceAccount")!;
const configMaps = resourceByKind("v1", "ConfigMap")!;

/** Where this package's client-node lives, and the repository's node_modules its own dependencies are hoisted to. */
function clientNodeDirs(): { e2eModules: string; rootModules: string; entry: string } {
  const entry = realpathSync(createRequire(import.meta.url).resolve("@kubernetes/client-node"));
  const e2eModules = entry.slice(0, entry.indexOf("/node_modules/") + "/node_modules".length);
  return { e2eModules, rootModules: join(repoRoot, "node_modules"), entry: entry.slice(e2eModules.length) };
}

/** Lists the default namespace's pods with `token` as the only credential: the status code. */
async function statusWithToken(cl: Cluster, token: string): Promise<number> {
  const client = new ApiClient({ server: cl.server, credentials: { ca: cl.credentials.ca, token }, userAgent: "bosun-e2e/service-accounts" });
  try {
    await client.list(pods, { namespace: "default" });
    return 200;
  } catch (err) {
    if (err instanceof ApiError) return err.status.code ?? 0;
    throw err;
  }
}

async function maybe<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

describe("service accounts", () => {
  // The API is reachable from pods, through the kubernetes Service whose variables the agent sets.
  const c = useCluster({ agents: [{ name: "a" }], advertiseApi: true });

  e2eTest("a new namespace gets its default ServiceAccount and kube-root-ca.crt holding the cluster CA", c, async (cl) => {
    expectSuccess("kubectl create namespace", await cl.kubectl(["create", "namespace", "sa-fresh"]));
    const account = await cl.waitFor(() => maybe(() => cl.client.get<ServiceAccount>(serviceAccounts, "default", "sa-fresh")), { timeoutMs: 20_000, what: "the default ServiceAccount" });
    assert.equal(account.metadata.namespace, "sa-fresh");
    const ca = await cl.waitFor(() => maybe(() => cl.client.get<ConfigMap>(configMaps, rootCaConfigMapName, "sa-fresh")), { timeoutMs: 20_000, what: "kube-root-ca.crt" });
    assert.equal(ca.data?.["ca.crt"], cl.credentials.ca);
    assert.match(expectSuccess("kubectl get sa", await cl.kubectl(["get", "sa", "-n", "sa-fresh"])).stdout, /^NAME +SECRETS +AGE\ndefault +0 +\d+s\n$/);
  });

  e2eTest("a pod lists pods with client-node's loadFromCluster(), through its projected token, CA and namespace", c, async (cl) => {
    const { e2eModules, rootModules, entry } = clientNodeDirs();
    // loadFromCluster() reads the token and CA from the kube-api-access volume the
    // apiserver added and the agent filled, then lists the pods of its namespace.
    const script = [
      `const { KubeConfig, CoreV1Api } = await import("/app/node_modules${entry}");`,
      `const { readFileSync } = await import("node:fs");`,
      `const kc = new KubeConfig();`,
      `kc.loadFromCluster();`,
      `const namespace = readFileSync("${serviceAccountMountPath}/namespace", "utf8");`,
      `const list = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace });`,
      `console.log("LISTED " + namespace + ": " + list.items.map((p) => p.metadata.name).sort().join(","));`,
    ].join("\n");
    const hostNode = realpathSync(process.execPath);
    const hostLibs = realpathSync("/lib/x86_64-linux-gnu");
    const pod = podManifest(
      "lister",
      [
        {
          name: "list",
          image: "bosun.local/busybox:1",
          imagePullPolicy: "Never",
          command: ["/usr/local/bin/node", "--input-type=module", "-e", script],
          // No KUBERNETES_SERVICE_HOST/PORT here: the agent sets them from the kubernetes
          // Service, as the kubelet does, and loadFromCluster() goes through its cluster IP.
          // No local image has Node.js (none can be pulled here), so the host's node, the
          // C++ runtime it links against (same Debian as the busybox image's C library)
          // and client-node with its dependencies are bound in read-only from this host.
          volumeMounts: [
            { name: "node", mountPath: "/usr/local/bin/node", readOnly: true },
            { name: "libs", mountPath: "/lib/x86_64-linux-gnu", readOnly: true },
            { name: "client-node", mountPath: "/app/node_modules", readOnly: true },
            { name: "client-node-deps", mountPath: "/node_modules", readOnly: true },
          ],
        },
      ],
      {
        restartPolicy: "Never",
        volumes: [
          { name: "node", hostPath: { path: hostNode, type: "File" } },
          { name: "libs", hostPath: { path: hostLibs, type: "Directory" } },
          { name: "client-node", hostPath: { path: e2eModules, type: "Directory" } },
          { name: "client-node-deps", hostPath: { path: rootModules, type: "Directory" } },
        ],
      },
    );
    const made = await cl.client.create<Pod>(pods, pod);
    assert.equal(made.spec.serviceAccountName, "default");
    const access = made.spec.volumes?.find((v) => v.name.startsWith("kube-api-access-"));
    assert.ok(access?.projected, "admission added the token volume");
    assert.ok(made.spec.containers[0]!.volumeMounts?.some((m) => m.mountPath === serviceAccountMountPath && m.readOnly === true));
    const logs = await waitForLogs(cl, ["lister"], "LISTED ");
    assert.match(logs, /LISTED default: [^\n]*\blister\b/);
    const done = await waitForPod(cl, "lister", (p) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed", "to finish");
    assert.equal(done.status?.phase, "Succeeded", JSON.stringify(done.status));
  });

  e2eTest("kubectl create token prints a token the API accepts; a token bound to a pod is refused once the pod is gone", c, async (cl) => {
    const token = expectSuccess("kubectl create token", await cl.kubectl(["create", "token", "default", "--duration", "15m"])).stdout.trim();
    assert.equal(await statusWithToken(cl, token), 200);
    assert.equal(await statusWithToken(cl, `${token}x`), 401);

    await cl.client.create<Pod>(pods, podManifest("holder", [shContainer("idle", idleScript("holding"))], { terminationGracePeriodSeconds: 1 }));
    await waitForRunning(cl, "holder");
    const bound = expectSuccess(
      "kubectl create token --bound-object-kind Pod",
      await cl.kubectl(["create", "token", "default", "--bound-object-kind", "Pod", "--bound-object-name", "holder"]),
    ).stdout.trim();
    assert.equal(await statusWithToken(cl, bound), 200);
    await cl.client.delete(pods, "holder", { namespace: "default" });
    await cl.waitFor(async () => (await getPod(cl, "holder")) === undefined, { timeoutMs: 60_000, what: "pod holder to be gone" });
    assert.equal(await statusWithToken(cl, bound), 401);
  });
});
