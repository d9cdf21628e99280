// PersistentVolumes, PersistentVolumeClaims and StorageClasses over HTTP against a
// real etcd: defaults and status as Kubernetes sets them, the status subresource,
// binding through volumeName, what may never change, growing a claim only where
// its class allows it, refusals by name with nothing stored, discovery and the
// Tables kubectl prints.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Etcd3 } from "etcd3";
import { apiServerForSuite, call, runKubectl } from "../src/testing/index.js";

const volumes = "/api/v1/persistentvolumes";
const claims = "/api/v1/namespaces/default/persistentvolumeclaims";
const classes = "/apis/storage.k8s.io/v1/storageclasses";
const mergePatch = "application/merge-patch+json";
const tableAccept = { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" };

type Volume = {
  metadata: { name: string; resourceVersion: string; generation?: number };
  spec: Record<string, unknown> & { hostPath?: { path: string; type?: string }; claimRef?: { name: string } };
  status?: { phase?: string; lastPhaseTransitionTime?: string };
};
type Claim = {
  metadata: { name: string; resourceVersion: string };
  spec: Record<string, unknown> & { volumeName?: string; resources?: { requests?: Record<string, string> } };
  status?: { phase?: string; capacity?: Record<string, string> };
};
type StorageClassBody = { metadata: { name: string }; provisioner: string; reclaimPolicy?: string; volumeBindingMode?: string; allowVolumeExpansion?: boolean };
type Status = { code: number; reason: string; message: string; details?: { causes?: { field?: string; message?: string }[] } };
type Table = { columnDefinitions: { name: string; priority: number }[]; rows: { cells: unknown[] }[] };

const hostname = (node: string) => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] }] } });

function volume(name: string, spec: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name },
    spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: `/srv/${name}` }, ...spec },
    ...extra,
  };
}

function claim(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...spec } };
}

function storageClass(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name }, provisioner: "rancher.io/local-path", ...extra };
}

describe("persistent volumes, claims and storage classes", () => {
  const api = apiServerForSuite();
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "bosun-storage-"));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  async function refused(path: string, body: Record<string, unknown>, code: number, message: RegExp): Promise<void> {
    const res = await call<Status>(api.url, "POST", path, body);
    assert.equal(res.status, code, JSON.stringify(res.body));
    assert.match(res.body.message, message);
    const name = (body.metadata as { name: string }).name;
    assert.equal((await call(api.url, "GET", `${path}/${name}`)).status, 404, `${name} was not stored`);
  }

  test("discovery lists pv, pvc and their status subresources in v1, and sc in storage.k8s.io/v1", async () => {
    type Entry = { name: string; namespaced: boolean; kind: string; shortNames?: string[] };
    const v1 = await call<{ resources: Entry[] }>(api.url, "GET", "/api/v1");
    const byName = new Map(v1.body.resources.map((r) => [r.name, r]));
    assert.deepEqual(
      ["configmaps", "persistentvolumes", "persistentvolumeclaims"].map((n) => [n, byName.get(n)?.namespaced, byName.get(n)?.shortNames]),
      [["configmaps", true, ["cm"]], ["persistentvolumes", false, ["pv"]], ["persistentvolumeclaims", true, ["pvc"]]],
    );
    assert.ok(byName.has("persistentvolumes/status") && byName.has("persistentvolumeclaims/status"));
    const storage = await call<{ groupVersion: string; resources: Entry[] }>(api.url, "GET", "/apis/storage.k8s.io/v1");
    assert.deepEqual(storage.body.resources.map((r) => [r.name, r.kind, r.namespaced, r.shortNames]), [["storageclasses", "StorageClass", false, ["sc"]]]);
    const groups = await call<{ groups: { name: string; preferredVersion: { groupVersion: string } }[] }>(api.url, "GET", "/apis");
    assert.equal(groups.body.groups.find((g) => g.name === "storage.k8s.io")?.preferredVersion.groupVersion, "storage.k8s.io/v1");
  });

  test("a new volume gets Kubernetes' defaults and starts Pending whatever status it was sent with; no generation", async () => {
    const created = await call<Volume>(api.url, "POST", volumes, volume("pv-host", {}, { status: { phase: "Bound" } }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(
      [created.body.spec.persistentVolumeReclaimPolicy, created.body.spec.volumeMode, created.body.spec.hostPath?.type, created.body.status?.phase],
      ["Retain", "Filesystem", "", "Pending"],
    );
    assert.ok(created.body.status?.lastPhaseTransitionTime, "the phase's time is recorded");
    assert.equal(created.body.metadata.generation, undefined);
    const etcd = new Etcd3({ hosts: api.server.etcd.endpoint });
    try {
      assert.ok(await etcd.get("/registry/core/persistentvolumes/pv-host").string(), "cluster-scoped: no namespace in the key");
    } finally {
      etcd.close();
    }
  });

  test("a volume's status is written through /status only; a new phase gets a new transition time", async () => {
    const created = await call<Volume>(api.url, "POST", volumes, volume("pv-status", { local: { path: "/mnt/disk1" }, hostPath: undefined, nodeAffinity: hostname("node-1") }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const ignored = await call<Volume>(api.url, "PATCH", `${volumes}/pv-status`, { status: { phase: "Available" } }, mergePatch);
    assert.equal(ignored.body.status?.phase, "Pending", "the main resource does not write status");
    const available = await call<Volume>(api.url, "PATCH", `${volumes}/pv-status/status`, { status: { phase: "Available" } }, mergePatch);
    assert.equal(available.status, 200, JSON.stringify(available.body));
    assert.equal(available.body.status?.phase, "Available");
    assert.ok(Date.parse(available.body.status!.lastPhaseTransitionTime!) >= Date.parse(created.body.status!.lastPhaseTransitionTime!));
    const bound = await call<Volume>(api.url, "PATCH", `${volumes}/pv-status`, { spec: { claimRef: { namespace: "default", name: "data" } } }, mergePatch);
    assert.equal(bound.status, 200, JSON.stringify(bound.body));
    assert.equal(bound.body.spec.claimRef?.name, "data");
    assert.equal(bound.body.status?.phase, "Available", "a spec write keeps the status");
  });

  test("a volume's source, volume mode and node affinity never change: 422 naming them", async () => {
    await call(api.url, "POST", volumes, volume("pv-fixed", { local: { path: "/mnt/disk1" }, hostPath: undefined, nodeAffinity: hostname("node-1") }));
    const moved = await call<Status>(api.url, "PATCH", `${volumes}/pv-fixed`, { spec: { local: { path: "/mnt/disk2" } } }, mergePatch);
    assert.equal(moved.status, 422, JSON.stringify(moved.body));
    assert.equal(moved.body.message, 'PersistentVolume "pv-fixed" is invalid: spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation');
    const node = await call<Status>(api.url, "PATCH", `${volumes}/pv-fixed`, { spec: { nodeAffinity: hostname("node-2") } }, mergePatch);
    assert.equal(node.status, 422);
    assert.deepEqual(node.body.details?.causes?.map((c) => c.field), ["nodeAffinity"]);
    assert.match(node.body.details!.causes![0]!.message!, /field is immutable$/);
  });

  test("sources other than hostPath and local, Block and Recycle are refused by name, nothing stored", async () => {
    await refused(volumes, volume("pv-nfs", { hostPath: undefined, nfs: { server: "10.0.0.1", path: "/exports" } }), 422,
      /^PersistentVolume "pv-nfs" is invalid: spec\.nfs: Forbidden: Bosun supports hostPath and local persistent volumes only: .*cannot mount nfs volumes$/);
    await refused(volumes, volume("pv-block", { volumeMode: "Block" }), 422, /spec\.volumeMode: Forbidden: Bosun runs containers through Docker and cannot attach block devices/);
    await refused(volumes, volume("pv-recycle", { persistentVolumeReclaimPolicy: "Recycle" }), 422, /spec\.persistentVolumeReclaimPolicy: Forbidden: Bosun does not recycle volumes/);
    await refused(volumes, volume("pv-local", { hostPath: undefined, local: { path: "/mnt/x" } }), 422, /spec\.nodeAffinity: Required value: Local volume requires node affinity/);
    await refused(volumes, volume("pv-empty", { capacity: undefined, accessModes: undefined }), 422,
      /^PersistentVolume "pv-empty" is invalid: \[spec\.accessModes: Required value, spec\.capacity: Required value\]$/);
  });

  test("a claim starts Pending; the binder sets volumeName once; its status is written through /status", async () => {
    const created = await call<Claim>(api.url, "POST", claims, claim("data", { storageClassName: "manual" }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual([created.body.status?.phase, created.body.spec.volumeMode], ["Pending", "Filesystem"]);
    const bound = await call<Claim>(api.url, "PATCH", `${claims}/data`, { spec: { volumeName: "pv-status" } }, mergePatch);
    assert.equal(bound.status, 200, JSON.stringify(bound.body));
    const again = await call<Status>(api.url, "PATCH", `${claims}/data`, { spec: { volumeName: "pv-other" } }, mergePatch);
    assert.equal(again.status, 422);
    assert.match(again.body.message, /^PersistentVolumeClaim "data" is invalid: spec: Forbidden: spec is immutable after creation except resources\.requests and volumeAttributesClassName for bound claims; changed: spec\.volumeName$/);
    const status = await call<Claim>(api.url, "PATCH", `${claims}/data/status`, { status: { phase: "Bound", capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"] } }, mergePatch);
    assert.equal(status.status, 200, JSON.stringify(status.body));
    assert.equal(status.body.status?.phase, "Bound");
  });

  test("a bound claim grows only where its StorageClass allows expansion (403 otherwise), and never shrinks", async () => {
    assert.equal((await call(api.url, "POST", classes, storageClass("fixed-size"))).status, 201);
    assert.equal((await call(api.url, "POST", claims, claim("grow", { storageClassName: "fixed-size", volumeName: "pv-grow" }))).status, 201);
    await call(api.url, "PATCH", `${claims}/grow/status`, { status: { phase: "Bound", capacity: { storage: "1Gi" } } }, mergePatch);
    const grow = { spec: { resources: { requests: { storage: "2Gi" } } } };
    const forbidden = await call<Status>(api.url, "PATCH", `${claims}/grow`, grow, mergePatch);
    assert.equal(forbidden.status, 403, JSON.stringify(forbidden.body));
    assert.equal(forbidden.body.reason, "Forbidden");
    assert.match(forbidden.body.message, /^persistentvolumeclaims "grow" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize/);
    const expandable = await call(api.url, "PATCH", `${classes}/fixed-size`, { allowVolumeExpansion: true }, mergePatch);
    assert.equal(expandable.status, 200, JSON.stringify(expandable.body));
    const grown = await call<Claim>(api.url, "PATCH", `${claims}/grow`, grow, mergePatch);
    assert.equal(grown.status, 200, JSON.stringify(grown.body));
    assert.equal(grown.body.spec.resources?.requests?.storage, "2Gi");
    const shrink = await call<Status>(api.url, "PATCH", `${claims}/grow`, { spec: { resources: { requests: { storage: "1Gi" } } } }, mergePatch);
    assert.equal(shrink.status, 422);
    assert.equal(shrink.body.message, 'PersistentVolumeClaim "grow" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than previous value');
  });

  test("claims without a storage request, with a data source or Block are refused, nothing stored", async () => {
    await refused(claims, claim("no-size", { resources: {} }), 422, /^PersistentVolumeClaim "no-size" is invalid: spec\.resources\[storage\]: Required value$/);
    await refused(claims, claim("copy", { dataSource: { kind: "PersistentVolumeClaim", name: "data" } }), 422, /spec\.dataSource: Forbidden: Bosun cannot fill a new claim from another claim or a snapshot/);
    await refused(claims, claim("raw", { volumeMode: "Block" }), 422, /spec\.volumeMode: Forbidden: Bosun runs containers through Docker/);
    await refused(claims, claim("many", { accessModes: ["ReadWriteOncePod", "ReadWriteOnce"] }), 422, /spec\.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes/);
  });

  test("a claim that names no class gets the default StorageClass (the newest, see the api tests); one that says \"\" or names one keeps it", async () => {
    const none = await call<Claim>(api.url, "POST", claims, claim("before-default"));
    assert.equal(none.status, 201, JSON.stringify(none.body));
    assert.equal(none.body.spec.storageClassName, undefined, "no default class yet");
    const isDefault = { "storageclass.kubernetes.io/is-default-class": "true" };
    assert.equal((await call(api.url, "POST", classes, storageClass("the-default", { metadata: { name: "the-default", annotations: isDefault } }))).status, 201);
    const defaulted = await call<Claim>(api.url, "POST", claims, claim("gets-default"));
    assert.equal(defaulted.status, 201, JSON.stringify(defaulted.body));
    assert.equal(defaulted.body.spec.storageClassName, "the-default");
    const empty = await call<Claim>(api.url, "POST", claims, claim("no-class", { storageClassName: "" }));
    assert.equal(empty.body.spec.storageClassName, "");
    const named = await call<Claim>(api.url, "POST", claims, claim("named", { storageClassName: "manual" }));
    assert.equal(named.body.spec.storageClassName, "manual");
    const kept = await call<Claim>(api.url, "PATCH", `${claims}/before-default`, { metadata: { labels: { seen: "yes" } } }, mergePatch);
    assert.equal(kept.body.spec.storageClassName, undefined, "only a new claim is defaulted, as the admission plugin handles create only");
    assert.equal((await call(api.url, "DELETE", `${classes}/the-default`)).status, 200);
  });

  test("a StorageClass gets Delete and Immediate; its provisioner, parameters, reclaim policy and binding mode never change", async () => {
    const created = await call<StorageClassBody>(api.url, "POST", classes, storageClass("local-path", { parameters: { nodePath: "/opt/local-path" } }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual([created.body.reclaimPolicy, created.body.volumeBindingMode], ["Delete", "Immediate"]);
    const etcd = new Etcd3({ hosts: api.server.etcd.endpoint });
    try {
      const raw = JSON.parse((await etcd.get("/registry/storage.k8s.io/storageclasses/local-path").string()) ?? "{}") as StorageClassBody;
      assert.equal(raw.provisioner, "rancher.io/local-path", "stored under the group's prefix");
    } finally {
      etcd.close();
    }
    const changed = await call<Status>(api.url, "PATCH", `${classes}/local-path`, { provisioner: "example.com/other", parameters: null, volumeBindingMode: "WaitForFirstConsumer" }, mergePatch);
    assert.equal(changed.status, 422);
    assert.equal(
      changed.body.message,
      'StorageClass.storage.k8s.io "local-path" is invalid: [parameters: Forbidden: updates to parameters are forbidden., provisioner: Forbidden: updates to provisioner are forbidden., volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable]',
    );
    await refused(classes, storageClass("bad-provisioner", { provisioner: "not a name" }), 422, /^StorageClass\.storage\.k8s\.io "bad-provisioner" is invalid: provisioner: Invalid value: "not a name"/);
    await refused(classes, storageClass("recycler", { reclaimPolicy: "Recycle" }), 422, /reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"/);
  });

  test("Tables: kubectl's columns for volumes, claims and classes", async () => {
    await call(api.url, "POST", volumes, volume("pv-table", { storageClassName: "manual", claimRef: { namespace: "default", name: "table" }, accessModes: ["ReadWriteMany", "ReadWriteOnce"] }));
    await call(api.url, "POST", claims, claim("table", { storageClassName: "manual" }));
    await call(api.url, "POST", classes, storageClass("table-default", { metadata: { name: "table-default", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } }, volumeBindingMode: "WaitForFirstConsumer" }));
    const table = async (path: string) => {
      const res = await call<Table>(api.url, "GET", path, undefined, undefined, tableAccept);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return { columns: res.body.columnDefinitions.map((c) => (c.priority === 1 ? "*" : "") + c.name), cells: res.body.rows[0]!.cells };
    };
    const pv = await table(`${volumes}/pv-table`);
    assert.deepEqual(pv.columns, ["Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim", "StorageClass", "VolumeAttributesClass", "Reason", "Age", "*VolumeMode"]);
    assert.deepEqual([...pv.cells.slice(0, 9), pv.cells[10]], ["pv-table", "1Gi", "RWO,RWX", "Retain", "Pending", "default/table", "manual", "<unset>", "", "Filesystem"]);
    const pvc = await table(`${claims}/table`);
    assert.deepEqual(pvc.columns, ["Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "VolumeAttributesClass", "Age", "*VolumeMode"]);
    assert.deepEqual([...pvc.cells.slice(0, 7), pvc.cells[8]], ["table", "Pending", "", "", "", "manual", "<unset>", "Filesystem"]);
    const sc = await table(`${classes}/table-default`);
    assert.deepEqual(sc.columns, ["Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion", "Age"]);
    assert.deepEqual(sc.cells.slice(0, 5), ["table-default (default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", false]);
  });

  test("real kubectl: apply a class, a volume and a claim; get pv,pvc,sc prints its columns", async () => {
    const manifest = join(dir, "storage.yaml");
    await writeFile(
      manifest,
      [
        "apiVersion: storage.k8s.io/v1",
        "kind: StorageClass",
        "metadata:",
        "  name: kubectl-class",
        "provisioner: kubernetes.io/no-provisioner",
        "volumeBindingMode: WaitForFirstConsumer",
        "---",
        "apiVersion: v1",
        "kind: PersistentVolume",
        "metadata:",
        "  name: kubectl-pv",
        "spec:",
        "  capacity: {storage: 2Gi}",
        "  accessModes: [ReadWriteOnce]",
        "  storageClassName: kubectl-class",
        "  local: {path: /mnt/disks/ssd1}",
        "  nodeAffinity:",
        "    required:",
        "      nodeSelectorTerms:",
        "      - matchExpressions:",
        "        - {key: kubernetes.io/hostname, operator: In, values: [node-1]}",
        "---",
        "apiVersion: v1",
        "kind: PersistentVolumeClaim",
        "metadata:",
        "  name: kubectl-claim",
        "spec:",
        "  accessModes: [ReadWriteOnce]",
        "  storageClassName: kubectl-class",
        "  resources: {requests: {storage: 1Gi}}",
        "",
      ].join("\n"),
    );
    const kubectl = (...args: string[]) => runKubectl({ server: api.url, dir }, ...args);
    const applied = await kubectl("apply", "-f", manifest);
    assert.match(applied.stdout, /storageclass.storage.k8s.io\/kubectl-class created/);
    assert.match(applied.stdout, /persistentvolume\/kubectl-pv created/);
    assert.match(applied.stdout, /persistentvolumeclaim\/kubectl-claim created/);
    assert.match((await kubectl("apply", "-f", manifest)).stdout, /persistentvolumeclaim\/kubectl-claim unchanged/);
    const pv = (await kubectl("get", "pv", "kubectl-pv")).stdout;
    assert.match(pv, /^NAME\s+CAPACITY\s+ACCESS MODES\s+RECLAIM POLICY\s+STATUS\s+CLAIM\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+REASON\s+AGE\n/);
    assert.match(pv, /\nkubectl-pv\s+2Gi\s+RWO\s+Retain\s+Pending\s+kubectl-class\s+<unset>\s+\d+s\n$/);
    const pvc = (await kubectl("get", "pvc", "kubectl-claim")).stdout;
    assert.match(pvc, /^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE\nkubectl-claim\s+Pending\s+kubectl-class\s+<unset>\s+\d+s\n$/);
    const sc = (await kubectl("get", "sc", "kubectl-class")).stdout;
    assert.match(sc, /^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE\nkubectl-class\s+kubernetes\.io\/no-provisioner\s+Delete\s+WaitForFirstConsumer\s+false\s+\d+s\n$/);
  });
});
