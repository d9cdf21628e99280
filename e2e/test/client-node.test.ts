// The official JavaScript client, @kubernetes/client-node, against a Bosun cluster
// through the kubeconfig `bosun kubeconfig` prints: typed list (with pages),
// create, patch and delete; a Watch resumed from a resourceVersion and one from a
// compacted resourceVersion (410 Expired); KubernetesObjectApi applying a
// multi-document manifest; and an informer that stays in sync through master
// restarts, resuming where it was or relisting after 410; PortForward into a pod. The client rows of
// docs/compatibility.md are checked at the end.
import assert from "node:assert/strict";
import net from "node:net";
import { describe } from "node:test";
import {
  ApiException,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  PortForward,
  Watch,
  loadAllYaml,
  makeInformer,
  setHeaderOptions,
  type KubernetesObject,
  type V1Deployment,
  type V1Pod,
} from "@kubernetes/client-node";
import { sleep } from "@bosun/client";
import { e2eTest, expectSuccess, idleScript, useCluster, waitForServingPods, type Cluster } from "../src/index.js";
import { Compatibility, runAll } from "../src/compatibility.js";

interface Clients {
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
  objects: KubernetesObjectApi;
}

/** The clients as a user would make them: from the kubeconfig `bosun kubeconfig` prints. */
function useClients(cluster: () => Cluster): () => Promise<Clients> {
  let made: Promise<Clients> | undefined;
  return () => {
    made ??= (async () => {
      const kc = new KubeConfig();
      kc.loadFromString(expectSuccess("bosun kubeconfig", await cluster().bosun(["kubeconfig"])).stdout);
      return {
        kc,
        core: kc.makeApiClient(CoreV1Api),
        apps: kc.makeApiClient(AppsV1Api),
        batch: kc.makeApiClient(BatchV1Api),
        objects: KubernetesObjectApi.makeApiClient(kc),
      };
    })();
    return made;
  };
}

/**
 * A pod for a scheduler that does not exist: it stays Pending and unbound, so
 * nothing but the test writes it (no status updates) and it is deleted at once.
 */
function pendingPod(name: string, labels: Record<string, string>): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels },
    spec: {
      schedulerName: "e2e-nobody",
      containers: [{ name: "app", image: "bosun.local/busybox:1", imagePullPolicy: "Never", command: ["sh", "-c", idleScript(name)] }],
    },
  };
}

/** The Kubernetes Status in an ApiException's body (a JSON string in client-node 1.x). */
function statusOf(err: unknown): { code?: number; reason?: string; message?: string } {
  assert.ok(err instanceof ApiException, `expected an ApiException, got ${String(err)}`);
  const body: unknown = err.body;
  return typeof body === "string" ? (JSON.parse(body) as { code?: number; reason?: string }) : (body as { code?: number; reason?: string });
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  assert.fail("the call succeeded; it should have failed");
}

interface SeenEvent {
  type: string;
  name: string | undefined;
  resourceVersion: string | undefined;
  code?: number;
}

/** One client-node Watch, its events collected, stoppable. */
class CollectedWatch {
  readonly events: SeenEvent[] = [];
  ended: { err: unknown } | undefined;
  private controller: AbortController | undefined;

  static async start(kc: KubeConfig, path: string, params: Record<string, string | boolean>): Promise<CollectedWatch> {
    const w = new CollectedWatch();
    w.controller = await new Watch(kc).watch(
      path,
      params,
      (type: string, obj: KubernetesObject & { code?: number }) => {
        w.events.push({ type, name: obj.metadata?.name, resourceVersion: obj.metadata?.resourceVersion, code: obj.code });
      },
      (err: unknown) => {
        w.ended = { err };
      },
    );
    return w;
  }

  /** The events other than bookmarks. */
  get changes(): SeenEvent[] {
    return this.events.filter((e) => e.type !== "BOOKMARK");
  }

  stop(): void {
    this.controller?.abort();
  }
}

function summary(events: SeenEvent[]): string[] {
  return events.map((e) => `${e.type} ${e.name ?? e.code}`);
}

/** A client-node informer over labelled pods, restarted on error as client-node's README advises. */
function podInformer(clients: Clients, selector: string, restartWhen: () => Promise<void> = () => sleep(500)) {
  const counts = { lists: 0, errors: 0 };
  const seen: string[] = [];
  const informer = makeInformer<V1Pod>(
    clients.kc,
    "/api/v1/namespaces/default/pods",
    () => {
      counts.lists++;
      return clients.core.listNamespacedPod({ namespace: "default", labelSelector: selector });
    },
    selector,
  );
  informer.on("add", (p) => seen.push(`add ${p.metadata?.name}`));
  informer.on("update", (p) => seen.push(`update ${p.metadata?.name}`));
  informer.on("delete", (p) => seen.push(`delete ${p.metadata?.name}`));
  let stopped = false;
  informer.on("error", () => {
    counts.errors++;
    void restartWhen().then(() => (stopped ? undefined : informer.start().catch(() => undefined)));
  });
  return {
    informer,
    counts,
    seen,
    async stop(): Promise<void> {
      stopped = true;
      await informer.stop();
    },
  };
}

/** Waits until the informer's cache holds exactly what a fresh list holds, by name and resourceVersion. */
async function waitInSync(cl: Cluster, clients: Clients, cache: { list(): readonly V1Pod[] }, selector: string, what: string): Promise<V1Pod[]> {
  return cl.waitFor(
    async (note) => {
      const fresh = (await clients.core.listNamespacedPod({ namespace: "default", labelSelector: selector })).items;
      const key = (p: V1Pod): string => `${p.metadata?.name}@${p.metadata?.resourceVersion}`;
      const want = fresh.map(key).sort();
      const have = cache.list().map(key).sort();
      note({ want, have });
      return JSON.stringify(want) === JSON.stringify(have) ? fresh : undefined;
    },
    { timeoutMs: 60_000, what, intervalMs: 250 },
  );
}

describe("@kubernetes/client-node drives the cluster", () => {
  const c = useCluster({ agents: [{ name: "a" }] });
  const clients = useClients(c);
  const compat = new Compatibility("client-node");

  e2eTest("CoreV1Api and AppsV1Api list, create, patch (JSON patch by default) and delete", c, async (cl) => {
    const { core, apps } = await clients();
    const labels = { "e2e.bosun.io/crud": "yes" };
    await runAll([
      () =>
        compat.clientNode("create", async () => {
          const created = await core.createNamespacedPod({ namespace: "default", body: pendingPod("crud-a", labels) });
          assert.equal(created.metadata?.name, "crud-a");
          assert.ok(created.metadata?.uid, "the server set a uid");
          assert.ok(created.metadata?.resourceVersion, "the server set a resourceVersion");
          assert.ok(created.metadata?.creationTimestamp instanceof Date, "client-node read the timestamp as a date");
          assert.equal(created.spec?.containers[0]?.image, "bosun.local/busybox:1");
          await core.createNamespacedPod({ namespace: "default", body: pendingPod("crud-b", labels) });
          const again = statusOf(await rejection(core.createNamespacedPod({ namespace: "default", body: pendingPod("crud-a", labels) })));
          assert.deepEqual([again.code, again.reason], [409, "AlreadyExists"]);
          const deployment: V1Deployment = {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "crud-web", labels: { app: "crud-web" } },
            spec: {
              replicas: 1,
              selector: { matchLabels: { app: "crud-web" } },
              template: {
                metadata: { labels: { app: "crud-web" } },
                spec: {
                  terminationGracePeriodSeconds: 5,
                  containers: [{ name: "app", image: "bosun.local/busybox:1", imagePullPolicy: "Never", command: ["sh", "-c", idleScript("crud-web")] }],
                },
              },
            },
          };
          const d = await apps.createNamespacedDeployment({ namespace: "default", body: deployment });
          assert.equal(d.spec?.strategy?.type, "RollingUpdate", "defaults come back typed");
          await waitForServingPods(cl, "app=crud-web", 1);
        }),
      () =>
        compat.clientNode("list (`CoreV1Api`, `AppsV1Api`)", async () => {
          const list = await core.listNamespacedPod({ namespace: "default", labelSelector: "e2e.bosun.io/crud=yes" });
          assert.deepEqual(list.items.map((p) => p.metadata?.name).sort(), ["crud-a", "crud-b"]);
          assert.ok(list.metadata?.resourceVersion, "a list carries its resourceVersion");
          assert.ok(list.items.every((p) => p.status?.phase === "Pending"));
          const nodes = await core.listNode();
          const node = nodes.items.find((n) => n.metadata?.name === cl.nodeName("a"));
          assert.equal(node?.status?.conditions?.find((cond) => cond.type === "Ready")?.status, "True");
          const all = await core.listPodForAllNamespaces({ labelSelector: "app=crud-web" });
          assert.equal(all.items.length, 1);
          const deployments = await apps.listNamespacedDeployment({ namespace: "default" });
          const web = deployments.items.find((x) => x.metadata?.name === "crud-web");
          assert.equal(web?.status?.readyReplicas, 1);
          const scale = await apps.readNamespacedDeploymentScale({ name: "crud-web", namespace: "default" });
          assert.equal(scale.spec?.replicas, 1);
        }),
      () =>
        compat.clientNode("patch (JSON patch, its default)", async () => {
          const patched = await core.patchNamespacedPod({
            name: "crud-a",
            namespace: "default",
            body: [
              { op: "add", path: "/metadata/labels/patched", value: "json" },
              { op: "add", path: "/metadata/annotations", value: { "e2e.bosun.io/by": "client-node" } },
            ],
          });
          assert.equal(patched.metadata?.labels?.patched, "json");
          assert.equal(patched.metadata?.annotations?.["e2e.bosun.io/by"], "client-node");
          // Other patch types through the content type, as client-node documents.
          const merged = await core.patchNamespacedPod(
            { name: "crud-a", namespace: "default", body: { metadata: { labels: { patched: "merge" } } } },
            setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
          );
          assert.equal(merged.metadata?.labels?.patched, "merge");
          const bad = statusOf(
            await rejection(core.patchNamespacedPod({ name: "crud-a", namespace: "default", body: [{ op: "replace", path: "/metadata/labels/absent", value: "x" }] })),
          );
          assert.ok(bad.code === 422 || bad.code === 400, `a JSON patch that cannot apply is refused: ${JSON.stringify(bad)}`);
        }),
      () =>
        compat.clientNode("delete", async () => {
          await core.deleteNamespacedPod({ name: "crud-a", namespace: "default" });
          const missing = statusOf(await rejection(core.readNamespacedPod({ name: "crud-a", namespace: "default" })));
          assert.deepEqual([missing.code, missing.reason], [404, "NotFound"]);
          const again = statusOf(await rejection(core.deleteNamespacedPod({ name: "crud-a", namespace: "default" })));
          assert.deepEqual([again.code, again.reason], [404, "NotFound"]);
          await core.deleteNamespacedPod({ name: "crud-b", namespace: "default", gracePeriodSeconds: 0 });
          await apps.deleteNamespacedDeployment({ name: "crud-web", namespace: "default", propagationPolicy: "Foreground" });
          await cl.waitFor(async () => (await core.listNamespacedPod({ namespace: "default", labelSelector: "app=crud-web" })).items.length === 0, {
            timeoutMs: 60_000,
            what: "crud-web's pods to go with it",
          });
        }),
    ]);
  });

  e2eTest("PortForward reaches a pod's port (the channel protocol over WebSocket)", c, async (cl) => {
    const { kc, core } = await clients();
    const script = "mkdir -p /www && echo forwarded-by-client-node > /www/index.html && exec httpd -f -p 8080 -h /www";
    await core.createNamespacedPod({
      namespace: "default",
      body: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "pf-web", labels: { app: "pf-web" } },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "web", image: "bosun.local/busybox:1", imagePullPolicy: "Never", command: ["sh", "-c", script], readinessProbe: { tcpSocket: { port: 8080 } } }] },
      },
    });
    await waitForServingPods(cl, "app=pf-web", 1);
    await compat.clientNode("`PortForward` into a pod", async () => {
      const forward = new PortForward(kc);
      // As client-node's documentation does it: a local server whose every connection is a forward.
      const server = net.createServer((socket) => void forward.portForward("default", "pf-web", [8080], socket, null, socket));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const { port } = server.address() as net.AddressInfo;
        const res = await fetch(`http://127.0.0.1:${port}/`);
        assert.equal(res.status, 200);
        assert.equal((await res.text()).trim(), "forwarded-by-client-node");
      } finally {
        server.close();
        await core.deleteNamespacedPod({ name: "pf-web", namespace: "default", gracePeriodSeconds: 0 });
      }
    });
  });

  e2eTest("list pages with limit and _continue all read one snapshot", c, async () => {
    const { core } = await clients();
    await compat.clientNode("list with `limit` and `_continue`", async () => {
      const labels = { "e2e.bosun.io/page": "yes" };
      for (const n of ["page-1", "page-2", "page-3", "page-4", "page-5"]) await core.createNamespacedPod({ namespace: "default", body: pendingPod(n, labels) });
      const selector = "e2e.bosun.io/page=yes";
      const first = await core.listNamespacedPod({ namespace: "default", labelSelector: selector, limit: 2 });
      assert.equal(first.items.length, 2);
      assert.ok(first.metadata?._continue, "a first page of more says how to continue");
      // Created after the first page: the later pages still show the first page's snapshot.
      await core.createNamespacedPod({ namespace: "default", body: pendingPod("page-6", labels) });
      const names = first.items.map((p) => p.metadata?.name);
      let token: string | undefined = first.metadata?._continue;
      let pages = 1;
      while (token) {
        const page = await core.listNamespacedPod({ namespace: "default", labelSelector: selector, limit: 2, _continue: token });
        assert.equal(page.metadata?.resourceVersion, first.metadata?.resourceVersion, "every page is read at the first page's resourceVersion");
        names.push(...page.items.map((p) => p.metadata?.name));
        token = page.metadata?._continue;
        pages++;
        assert.ok(pages <= 3, "five pods make three pages of two");
      }
      assert.deepEqual(names, ["page-1", "page-2", "page-3", "page-4", "page-5"]);
      const whole = await core.listNamespacedPod({ namespace: "default", labelSelector: selector });
      assert.equal(whole.items.length, 6, "a new list sees the pod created meanwhile");
      assert.equal(whole.metadata?._continue ?? "", "", "a whole list has nothing to continue");
    });
  });

  e2eTest("a Watch resumed from the last resourceVersion it saw gets exactly the changes it missed", c, async (cl) => {
    const { kc, core } = await clients();
    await compat.clientNode("`Watch` resumed from a resourceVersion", async () => {
      const labels = { "e2e.bosun.io/watch": "resume" };
      const path = "/api/v1/namespaces/default/pods";
      const params = { labelSelector: "e2e.bosun.io/watch=resume" };
      const w1 = await core.createNamespacedPod({ namespace: "default", body: pendingPod("resume-1", labels) });
      const first = await CollectedWatch.start(kc, path, { ...params, resourceVersion: w1.metadata!.resourceVersion! });
      try {
        await core.createNamespacedPod({ namespace: "default", body: pendingPod("resume-2", labels) });
        await core.patchNamespacedPod({ name: "resume-2", namespace: "default", body: [{ op: "add", path: "/metadata/labels/step", value: "2" }] });
        await cl.waitFor(
          (note) => {
            note(summary(first.changes));
            return first.changes.length >= 2;
          },
          { timeoutMs: 30_000, what: "the watch to see resume-2 added and modified" },
        );
      } finally {
        first.stop();
      }
      assert.deepEqual(summary(first.changes), ["ADDED resume-2", "MODIFIED resume-2"], "only what happened after the resourceVersion it started from");
      const last = first.events.at(-1)!.resourceVersion!;

      // Changes while nobody watches.
      await core.createNamespacedPod({ namespace: "default", body: pendingPod("resume-3", labels) });
      await core.deleteNamespacedPod({ name: "resume-1", namespace: "default" });

      const resumed = await CollectedWatch.start(kc, path, { ...params, resourceVersion: last });
      try {
        await cl.waitFor(
          (note) => {
            note(summary(resumed.changes));
            return resumed.changes.length >= 2;
          },
          { timeoutMs: 30_000, what: "the resumed watch to see what it missed" },
        );
        await sleep(500);
      } finally {
        resumed.stop();
      }
      assert.deepEqual(summary(resumed.changes), ["ADDED resume-3", "DELETED resume-1"], "exactly the missed changes, in order");
      const versions = resumed.changes.map((e) => Number(e.resourceVersion));
      assert.ok(versions.every((rv, i) => rv > Number(last) && (i === 0 || rv > versions[i - 1]!)), `resourceVersions grow: ${last} then ${versions.join(", ")}`);
    });
  });

  e2eTest("a Watch from a resourceVersion etcd compacted away answers 410 Expired, and a fresh list watches on", c, async (cl) => {
    const { kc, core } = await clients();
    await compat.clientNode("`Watch` from a compacted resourceVersion (410 Expired)", async () => {
      const labels = { "e2e.bosun.io/watch": "expired" };
      const params = { labelSelector: "e2e.bosun.io/watch=expired" };
      const old = await core.createNamespacedPod({ namespace: "default", body: pendingPod("expired-1", labels) });
      await core.createNamespacedPod({ namespace: "default", body: pendingPod("expired-2", labels) });
      await core.patchNamespacedPod({ name: "expired-2", namespace: "default", body: [{ op: "add", path: "/metadata/labels/step", value: "2" }] });
      // A restarted master's watch cache begins now, so the old version must come from etcd, which has compacted it.
      await cl.restartMaster();
      await cl.compactEtcd();
      const w = await CollectedWatch.start(kc, "/api/v1/namespaces/default/pods", { ...params, resourceVersion: old.metadata!.resourceVersion! });
      try {
        const outcome = await cl.waitFor(
          (note) => {
            note({ events: w.events, ended: w.ended && String((w.ended.err as Error | null)?.message) });
            const expired = w.events.find((e) => e.type === "ERROR");
            if (expired) return `ERROR event ${expired.code}`;
            const status = (w.ended?.err as { statusCode?: number } | null | undefined)?.statusCode;
            return status !== undefined ? `HTTP ${status}` : undefined;
          },
          { timeoutMs: 30_000, what: "the watch from a compacted resourceVersion to answer 410" },
        );
        assert.match(outcome, /410$/, `client-node sees 410 Expired (${outcome})`);
        assert.ok(!w.events.some((e) => e.type === "ADDED" || e.type === "MODIFIED"), `no event before the 410: ${summary(w.events).join(", ")}`);
      } finally {
        w.stop();
      }
      // What a client does on 410: list again and watch from the list.
      const list = await core.listNamespacedPod({ namespace: "default", labelSelector: params.labelSelector });
      assert.deepEqual(list.items.map((p) => p.metadata?.name).sort(), ["expired-1", "expired-2"]);
      const again = await CollectedWatch.start(kc, "/api/v1/namespaces/default/pods", { ...params, resourceVersion: list.metadata!.resourceVersion! });
      try {
        await core.deleteNamespacedPod({ name: "expired-1", namespace: "default" });
        await cl.waitFor(() => again.changes.length >= 1, { timeoutMs: 30_000, what: "the new watch to see expired-1 deleted" });
        assert.deepEqual(summary(again.changes), ["DELETED expired-1"]);
      } finally {
        again.stop();
      }
    });
  });

  e2eTest("KubernetesObjectApi applies a multi-document manifest, then changes it", c, async (cl) => {
    const { objects, apps, batch } = await clients();
    await compat.clientNode("`KubernetesObjectApi` apply of a multi-document manifest", async () => {
      const manifest = (replicas: number, suspend: boolean): string => `
apiVersion: v1
kind: Namespace
metadata:
  name: cn-apply
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: applied
  namespace: cn-apply
  labels: {app: applied}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: applied}}
  template:
    metadata: {labels: {app: applied}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
        - name: app
          image: bosun.local/busybox:1
          imagePullPolicy: Never
          command: ["sh", "-c", "${idleScript("applied")}"]
          env: [{name: REPLICAS, value: "${replicas}"}]
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: applied-cron
  namespace: cn-apply
spec:
  schedule: "0 3 * * *"
  suspend: ${suspend}
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: app
              image: bosun.local/busybox:1
              imagePullPolicy: Never
              command: ["true"]
`;
      // client-node's apply example: read each object, patch it if it exists, create it if not.
      const apply = async (text: string): Promise<string[]> => {
        const done: string[] = [];
        for (const spec of loadAllYaml(text) as KubernetesObject[]) {
          const header = { apiVersion: spec.apiVersion!, kind: spec.kind!, metadata: { name: spec.metadata!.name!, namespace: spec.metadata?.namespace } };
          spec.metadata!.annotations = { ...spec.metadata!.annotations, "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify(spec) };
          let exists = true;
          try {
            await objects.read(header);
          } catch (err) {
            if (!(err instanceof ApiException) || err.code !== 404) throw err;
            exists = false;
          }
          if (exists) {
            await objects.patch(spec);
            done.push(`patched ${spec.kind}/${spec.metadata!.name}`);
          } else {
            await objects.create(spec);
            done.push(`created ${spec.kind}/${spec.metadata!.name}`);
          }
        }
        return done;
      };
      assert.deepEqual(await apply(manifest(1, true)), ["created Namespace/cn-apply", "created Deployment/applied", "created CronJob/applied-cron"]);
      await cl.waitFor(
        async (note) => {
          const d = await apps.readNamespacedDeployment({ name: "applied", namespace: "cn-apply" });
          note(d.status);
          return d.status?.readyReplicas === 1;
        },
        { timeoutMs: 60_000, what: "the applied Deployment to have a ready replica" },
      );
      assert.deepEqual(await apply(manifest(2, false)), ["patched Namespace/cn-apply", "patched Deployment/applied", "patched CronJob/applied-cron"]);
      const d = await apps.readNamespacedDeployment({ name: "applied", namespace: "cn-apply" });
      assert.equal(d.spec?.replicas, 2);
      const containers = d.spec?.template.spec?.containers ?? [];
      assert.equal(containers.length, 1, "the strategic merge patch merged the container by name");
      assert.equal(containers[0]?.image, "bosun.local/busybox:1");
      assert.deepEqual(containers[0]?.env?.map((e) => ({ name: e.name, value: e.value })), [{ name: "REPLICAS", value: "2" }]);
      assert.ok(d.metadata?.annotations?.["kubectl.kubernetes.io/last-applied-configuration"]?.includes('"replicas":2'));
      const cron = await batch.readNamespacedCronJob({ name: "applied-cron", namespace: "cn-apply" });
      assert.equal(cron.spec?.suspend, false);
      await cl.waitFor(
        async () => (await apps.readNamespacedDeployment({ name: "applied", namespace: "cn-apply" })).status?.readyReplicas === 2,
        { timeoutMs: 60_000, what: "the applied Deployment to scale to 2" },
      );
    });
  });

  e2eTest("an informer stays in sync through a master restart, resuming its watch", c, async (cl) => {
    const all = await clients();
    await compat.clientNode("`makeInformer` through a master restart", async () => {
      const selector = "e2e.bosun.io/informer=restart";
      const labels = { "e2e.bosun.io/informer": "restart" };
      for (const n of ["inf-1", "inf-2"]) await all.core.createNamespacedPod({ namespace: "default", body: pendingPod(n, labels) });
      const inf = podInformer(all, selector);
      try {
        await inf.informer.start();
        await waitInSync(cl, all, inf.informer, selector, "the informer to list inf-1 and inf-2");

        await cl.restartMaster();
        await all.core.createNamespacedPod({ namespace: "default", body: pendingPod("inf-3", labels) });
        await all.core.deleteNamespacedPod({ name: "inf-1", namespace: "default" });
        await all.core.patchNamespacedPod({ name: "inf-2", namespace: "default", body: [{ op: "add", path: "/metadata/labels/after", value: "restart" }] });

        const fresh = await waitInSync(cl, all, inf.informer, selector, "the informer to see the changes made after the restart");
        assert.deepEqual(fresh.map((p) => p.metadata?.name).sort(), ["inf-2", "inf-3"]);
        assert.equal(inf.informer.get("inf-2", "default")?.metadata?.labels?.after, "restart");
        assert.equal(inf.informer.get("inf-1", "default"), undefined);
        assert.equal(inf.counts.lists, 1, "the informer resumed its watch from its resourceVersion instead of listing again");
        for (const e of ["add inf-3", "delete inf-1", "update inf-2"]) assert.ok(inf.seen.includes(e), `handlers saw "${e}": ${inf.seen.join(", ")}`);
      } finally {
        await inf.stop();
      }
    });
  });

  e2eTest("an informer whose resourceVersion was compacted away while the master was down relists and stays in sync", c, async (cl) => {
    const all = await clients();
    await compat.clientNode("`makeInformer` relisting after 410 Expired", async () => {
      const selector = "e2e.bosun.io/informer=expired";
      const labels = { "e2e.bosun.io/informer": "expired" };
      for (const n of ["gone-1", "gone-2"]) await all.core.createNamespacedPod({ namespace: "default", body: pendingPod(n, labels) });
      let open: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const inf = podInformer(all, selector, () => gate);
      try {
        await inf.informer.start();
        await waitInSync(cl, all, inf.informer, selector, "the informer to list gone-1 and gone-2");

        // The informer loses the master and waits; meanwhile the cluster moves on and etcd compacts.
        await cl.kill("master");
        await cl.waitFor(() => inf.counts.errors > 0, { timeoutMs: 30_000, what: "the informer to notice the master is gone" });
        await cl.restartMaster();
        await all.core.createNamespacedPod({ namespace: "default", body: pendingPod("gone-3", labels) });
        await all.core.deleteNamespacedPod({ name: "gone-1", namespace: "default" });
        await all.core.patchNamespacedPod({ name: "gone-2", namespace: "default", body: [{ op: "add", path: "/metadata/labels/after", value: "compaction" }] });
        await cl.compactEtcd();
        open();

        const fresh = await waitInSync(cl, all, inf.informer, selector, "the informer to relist after 410 and match the cluster");
        assert.deepEqual(fresh.map((p) => p.metadata?.name).sort(), ["gone-2", "gone-3"]);
        assert.equal(inf.informer.get("gone-2", "default")?.metadata?.labels?.after, "compaction");
        assert.equal(inf.counts.lists, 2, "the 410 made the informer list again");
        for (const e of ["add gone-3", "delete gone-1", "update gone-2"]) assert.ok(inf.seen.includes(e), `handlers saw "${e}": ${inf.seen.join(", ")}`);
      } finally {
        open();
        await inf.stop();
      }
    });
  });

  compat.documentTest();
});
