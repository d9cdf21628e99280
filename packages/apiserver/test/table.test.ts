import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { printerFor } from "@bosun/api";
import { apiServerForSuite, call, WatchReader } from "../src/testing/index.js";

const tableV1 = "application/json;as=Table;v=v1;g=meta.k8s.io";
const tableV1beta1 = "application/json;as=Table;v=v1beta1;g=meta.k8s.io";
/** What kubectl get sends. */
const kubectlAccept = `${tableV1},${tableV1beta1},application/json`;

type Column = { name: string; type: string; format: string; description: string; priority: number };
type Row = { cells: unknown[]; object: { kind?: string; apiVersion?: string; metadata: { name: string; resourceVersion: string }; spec?: unknown } | null; conditions?: unknown[] };
type Table = { kind: string; apiVersion: string; metadata: { resourceVersion?: string }; columnDefinitions: Column[] | null; rows: Row[] };
type Obj = { metadata: { name: string; resourceVersion: string }; status?: Record<string, unknown> } & Record<string, unknown>;

async function get<T>(base: string, path: string, accept: string): Promise<{ status: number; body: T; contentType: string }> {
  const res = await call<T>(base, "GET", path, undefined, undefined, { accept });
  return { ...res, contentType: res.headers.get("content-type") ?? "" };
}

const ns = "/namespaces/default";
const template = (app: string, restartPolicy?: string) => ({
  metadata: { labels: { app } },
  spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }], ...(restartPolicy ? { restartPolicy } : {}) },
});

/** One object of every served kind, with where to create it and the name its row shows. */
const objects: { kind: string; path: string; body: Record<string, unknown> }[] = [
  { kind: "Namespace", path: "/api/v1/namespaces", body: { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } } },
  { kind: "Node", path: "/api/v1/nodes", body: { apiVersion: "v1", kind: "Node", metadata: { name: "node-1" } } },
  {
    kind: "Pod",
    path: `/api/v1${ns}/pods`,
    body: { apiVersion: "v1", kind: "Pod", metadata: { name: "web-1" }, spec: { nodeName: "node-1", ...template("web").spec } },
  },
  {
    kind: "Event",
    path: `/api/v1${ns}/events`,
    body: {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "web-1.started" },
      involvedObject: { kind: "Pod", name: "web-1", namespace: "default" },
      reason: "Started",
      message: "Started container main",
      type: "Normal",
      source: { component: "bosun-agent", host: "node-1" },
      firstTimestamp: new Date(Date.now() - 30_000).toISOString().replace(/\.\d+Z$/, "Z"),
      count: 2,
    },
  },
  {
    kind: "Secret",
    path: `/api/v1${ns}/secrets`,
    body: { apiVersion: "v1", kind: "Secret", metadata: { name: "creds" }, stringData: { user: "admin", password: "s3cret" } },
  },
  {
    kind: "Deployment",
    path: `/apis/apps/v1${ns}/deployments`,
    body: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template: template("web") } },
  },
  {
    kind: "ReplicaSet",
    path: `/apis/apps/v1${ns}/replicasets`,
    body: { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "rs" }, spec: { replicas: 2, selector: { matchLabels: { app: "rs" } }, template: template("rs") } },
  },
  {
    kind: "DaemonSet",
    path: `/apis/apps/v1${ns}/daemonsets`,
    body: { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "ds" }, spec: { selector: { matchLabels: { app: "ds" } }, template: template("ds") } },
  },
  {
    kind: "StatefulSet",
    path: `/apis/apps/v1${ns}/statefulsets`,
    body: { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db" }, spec: { replicas: 1, selector: { matchLabels: { app: "db" } }, template: template("db") } },
  },
  {
    kind: "Job",
    path: `/apis/batch/v1${ns}/jobs`,
    body: { apiVersion: "batch/v1", kind: "Job", metadata: { name: "once" }, spec: { template: template("once", "Never") } },
  },
  {
    kind: "CronJob",
    path: `/apis/batch/v1${ns}/cronjobs`,
    body: {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "tick" },
      spec: { schedule: "*/5 * * * *", jobTemplate: { spec: { template: template("tick", "OnFailure") } } },
    },
  },
];

function nameOf(body: Record<string, unknown>): string {
  return (body.metadata as { name: string }).name;
}

describe("Table output", () => {
  const api = apiServerForSuite();
  before(async () => {
    for (const o of objects) {
      const res = await call(api.url, "POST", o.path, o.body);
      assert.equal(res.status, 201, `${o.kind}: ${JSON.stringify(res.body)}`);
    }
  });

  /** Writes a status through the status subresource, as controllers and agents do. */
  async function setStatus(path: string, status: Record<string, unknown>): Promise<void> {
    const current = (await call<Obj>(api.url, "GET", path)).body;
    const res = await call(api.url, "PUT", `${path}/status`, { ...current, status });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }

  test("every kind lists as a Table with its printer's columns, wide ones at priority 1, rows carrying PartialObjectMetadata", async () => {
    for (const o of objects) {
      const res = await get<Table>(api.url, o.path, kubectlAccept);
      assert.equal(res.status, 200, o.kind);
      assert.match(res.contentType, /^application\/json/);
      const table = res.body;
      assert.equal(table.kind, "Table", o.kind);
      assert.equal(table.apiVersion, "meta.k8s.io/v1", o.kind);
      assert.match(table.metadata.resourceVersion ?? "", /^\d+$/, `${o.kind}: the list's resourceVersion`);
      assert.deepEqual(table.columnDefinitions, printerFor(o.kind).columns, o.kind);
      const nameColumn = table.columnDefinitions!.findIndex((c) => c.format === "name");
      const row = table.rows.find((r) => r.cells[nameColumn] === nameOf(o.body));
      assert.ok(row, `${o.kind}: a row for ${nameOf(o.body)} in ${JSON.stringify(table.rows.map((r) => r.cells))}`);
      assert.equal(row.cells.length, table.columnDefinitions!.length, `${o.kind}: one cell per column`);
      assert.deepEqual(Object.keys(row.object ?? {}).sort(), ["apiVersion", "kind", "metadata"], o.kind);
      assert.equal(row.object?.kind, "PartialObjectMetadata");
      assert.equal(row.object?.apiVersion, "meta.k8s.io/v1");
      assert.equal(row.object?.metadata.name, nameOf(o.body));
    }
  });

  test("columns and cells kubectl users know: pods, nodes, deployments, events", async () => {
    const pod = `/api/v1${ns}/pods/web-1`;
    await setStatus(pod, {
      phase: "Running",
      podIP: "172.17.0.9",
      containerStatuses: [
        {
          name: "main",
          image: "bosun.local/busybox:1",
          ready: false,
          restartCount: 3,
          state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container" } },
          lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: new Date(Date.now() - 120_000).toISOString().replace(/\.\d+Z$/, "Z") } },
        },
      ],
    });
    const pods = (await get<Table>(api.url, pod, tableV1)).body;
    assert.deepEqual(
      pods.columnDefinitions!.map((c) => [c.name, c.priority]),
      [["Name", 0], ["Ready", 0], ["Status", 0], ["Restarts", 0], ["Age", 0], ["IP", 1], ["Node", 1], ["Nominated Node", 1], ["Readiness Gates", 1]],
    );
    assert.equal(pods.rows.length, 1, "a single object is a one-row Table");
    const [name, ready, status, restarts, , ip, node, nominated, gates] = pods.rows[0]!.cells;
    assert.deepEqual([name, ready, status, ip, node, nominated, gates], ["web-1", "0/1", "CrashLoopBackOff", "172.17.0.9", "node-1", "<none>", "<none>"]);
    assert.match(String(restarts), /^3 \(2m\d*s? ago\)$/);
    assert.equal(pods.metadata.resourceVersion, pods.rows[0]!.object?.metadata.resourceVersion, "a single object's Table has its resourceVersion");

    await setStatus("/api/v1/nodes/node-1", {
      conditions: [{ type: "Ready", status: "True" }],
      addresses: [{ type: "InternalIP", address: "10.0.0.1" }],
      nodeInfo: { kubeletVersion: "v1.33.0-bosun.0.1.0", osImage: "Debian GNU/Linux 12 (bookworm)", kernelVersion: "6.1.0", containerRuntimeVersion: "docker://20.10.24" },
    });
    const nodes = (await get<Table>(api.url, "/api/v1/nodes/node-1", tableV1)).body;
    assert.deepEqual(nodes.columnDefinitions!.filter((c) => c.priority === 1).map((c) => c.name), ["Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"]);
    assert.deepEqual(nodes.rows[0]!.cells.filter((_, i) => i !== 3), [
      "node-1", "Ready", "<none>", "v1.33.0-bosun.0.1.0", "10.0.0.1", "<none>", "Debian GNU/Linux 12 (bookworm)", "6.1.0", "docker://20.10.24",
    ]);

    const deploy = `/apis/apps/v1${ns}/deployments/web`;
    await setStatus(deploy, { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 });
    const deployments = (await get<Table>(api.url, deploy, tableV1)).body;
    assert.deepEqual(deployments.columnDefinitions!.map((c) => c.name), ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"]);
    const cells = deployments.rows[0]!.cells;
    assert.deepEqual([cells[0], cells[1], cells[2], cells[3], ...cells.slice(5)], ["web", "2/3", 3, 2, "main", "bosun.local/busybox:1", "app=web"], "counts are numbers");

    const events = (await get<Table>(api.url, `/api/v1${ns}/events/web-1.started`, tableV1)).body;
    assert.deepEqual(events.rows[0]!.cells.filter((_, i) => i !== 0 && i !== 7), ["Normal", "Started", "pod/web-1", "", "bosun-agent, node-1", "Started container main", 2, "web-1.started"]);
  });

  test("a page of a list is a Table that keeps the list's continue token", async () => {
    const page = (await get<Table & { metadata: { continue?: string } }>(api.url, "/api/v1/namespaces?limit=2", kubectlAccept)).body;
    assert.equal(page.kind, "Table");
    assert.equal(page.rows.length, 2);
    assert.ok(page.metadata.continue, JSON.stringify(page.metadata));
    const next = (await get<Table>(api.url, `/api/v1/namespaces?limit=100&continue=${encodeURIComponent(page.metadata.continue!)}`, kubectlAccept)).body;
    const names = [...page.rows, ...next.rows].map((r) => r.cells[0]);
    assert.ok(names.includes("default") && names.includes("team-a"), JSON.stringify(names));
  });

  test("includeObject: Object sends the whole object, None none, anything else is refused", async () => {
    const path = `/apis/apps/v1${ns}/deployments`;
    const full = (await get<Table>(api.url, `${path}?includeObject=Object`, tableV1)).body;
    assert.equal(full.rows[0]!.object?.kind, "Deployment");
    assert.ok(full.rows[0]!.object?.spec, "the whole object, spec included");
    const bare = (await get<Table>(api.url, `${path}?includeObject=None`, tableV1)).body;
    assert.equal(bare.rows[0]!.object, null);
    const bad = await get<{ kind: string; code: number; message: string }>(api.url, `${path}?includeObject=Everything`, tableV1);
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /includeObject: Unsupported value: "Everything"/);
  });

  test("meta.k8s.io/v1beta1 Tables, and finished pods' rows are Completed", async () => {
    const created = await call(api.url, "POST", `/api/v1${ns}/pods`, { apiVersion: "v1", kind: "Pod", metadata: { name: "done" }, spec: template("done", "Never").spec });
    assert.equal(created.status, 201);
    await setStatus(`/api/v1${ns}/pods/done`, {
      phase: "Succeeded",
      containerStatuses: [{ name: "main", image: "bosun.local/busybox:1", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } }],
    });
    const table = (await get<Table>(api.url, `/api/v1${ns}/pods/done`, tableV1beta1)).body;
    assert.equal(table.apiVersion, "meta.k8s.io/v1beta1");
    assert.equal(table.rows[0]!.object?.apiVersion, "meta.k8s.io/v1beta1");
    assert.equal(table.rows[0]!.cells[2], "Completed");
    assert.deepEqual(table.rows[0]!.conditions, [{ type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." }]);
  });

  test("negotiation: unknown transforms fall back to JSON when the client takes it, else 406; errors stay Status", async () => {
    const pods = `/api/v1${ns}/pods`;
    const fallback = await get<{ kind: string }>(api.url, pods, "application/json;as=Table;v=v9;g=meta.k8s.io,application/json;as=Widget;v=v1;g=example.com,application/json");
    assert.equal(fallback.body.kind, "PodList");
    const plain = await get<{ kind: string }>(api.url, pods, "application/json");
    assert.equal(plain.body.kind, "PodList");
    const refused = await get<{ kind: string; code: number; reason: string; message: string }>(api.url, pods, "application/json;as=Widget;v=v1;g=example.com");
    assert.equal(refused.status, 406);
    assert.deepEqual([refused.body.kind, refused.body.reason], ["Status", "NotAcceptable"]);
    assert.match(refused.body.message, /as=Table;v=v1;g=meta\.k8s\.io/);
    const preferred = await get<{ kind: string }>(api.url, pods, `application/json;q=0.5,${tableV1}`);
    assert.equal(preferred.body.kind, "Table", "a higher q wins over header order");
    const missing = await get<{ kind: string; code: number }>(api.url, `${pods}/nobody`, kubectlAccept);
    assert.deepEqual([missing.status, missing.body.kind, missing.body.code], [404, "Status", 404]);
    const scale = await get<{ kind: string }>(api.url, `/apis/apps/v1${ns}/deployments/web/scale`, kubectlAccept);
    assert.equal(scale.body.kind, "Scale", "subresources other than status have no Table");
  });

  /** Opens a watch that asks for Tables; its events collect in `events` until the stream ends or is closed. */
  async function watchTables(path: string): Promise<{ watch: WatchReader; events: { type: string; object: Table }[] }> {
    const watch = await WatchReader.open(api.url, path, { accept: kubectlAccept });
    assert.equal(watch.status, 200);
    return { watch, events: watch.events as unknown as { type: string; object: Table }[] };
  }

  test("watch: each event's object is a one-row Table; only the first carries the columns", async () => {
    const { watch, events } = await watchTables(`/api/v1${ns}/pods?watch=true&resourceVersion=0`);
    try {
      const created = await call(api.url, "POST", `/api/v1${ns}/pods`, { apiVersion: "v1", kind: "Pod", metadata: { name: "watched" }, spec: template("w").spec });
      assert.equal(created.status, 201);
      const deadline = Date.now() + 5000;
      while (!events.some((e) => e.object.rows?.[0]?.cells[0] === "watched") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      // resourceVersion=0 starts with the pods that exist (web-1, done), then the new one.
      assert.ok(events.length >= 3, JSON.stringify(events));
      assert.ok(events.every((e) => e.object.kind === "Table" && e.object.rows.length === 1), "one row per event");
      assert.deepEqual(events[0]!.object.columnDefinitions, printerFor("Pod").columns);
      for (const e of events.slice(1)) assert.equal(e.object.columnDefinitions, null, "later events omit the columns");
      const added = events.find((e) => e.object.rows[0]!.cells[0] === "watched")!;
      assert.equal(added.type, "ADDED");
      assert.deepEqual(added.object.rows[0]!.cells.slice(1, 4), ["0/1", "Pending", "0"]);
      assert.equal(added.object.rows[0]!.object?.kind, "PartialObjectMetadata");
      assert.equal(added.object.metadata.resourceVersion, added.object.rows[0]!.object?.metadata.resourceVersion);
    } finally {
      watch.close();
      await watch.waitEnd();
    }
  });

  test("watch: a bookmark is a Table without rows that carries the resourceVersion", async () => {
    const { watch, events } = await watchTables(`/api/v1${ns}/pods?watch=true&allowWatchBookmarks=true&timeoutSeconds=3`);
    // A write elsewhere moves the revision, so the bookmark before the timeout has news.
    const other = await call<Obj>(api.url, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-b" } });
    assert.equal(other.status, 201);
    await watch.waitEnd(10_000);
    const bookmark = events.find((e) => e.type === "BOOKMARK");
    assert.ok(bookmark, JSON.stringify(events));
    assert.deepEqual(bookmark.object, {
      kind: "Table",
      apiVersion: "meta.k8s.io/v1",
      metadata: { resourceVersion: other.body.metadata.resourceVersion },
      columnDefinitions: null,
      rows: [],
    });
  });
});
