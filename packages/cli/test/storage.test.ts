// PersistentVolumes, PersistentVolumeClaims and StorageClasses in the CLI: `bosun
// get pv|pvc|sc` with kubectl's columns, and `bosun describe` with kubectl's
// layout. Through the binary against a fake API server, as users run it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from "@bosun/api";
import { claimUsers, describePersistentVolume, describePersistentVolumeClaim, describeStorageClass } from "../src/printers/describe-storage.js";
import { printTable } from "../src/printers/tables.js";
import { startCliAgainstFakeApi, type CliAgainstFakeApi } from "../src/testing/run-cli.js";

const now = Date.parse("2024-05-01T12:00:00Z");
const created = "2024-05-01T11:00:00Z";

const localPv: PersistentVolume = {
  apiVersion: "v1",
  kind: "PersistentVolume",
  metadata: { name: "pv-local", creationTimestamp: created, finalizers: ["kubernetes.io/pv-protection"] },
  spec: {
    capacity: { storage: "5Gi" },
    accessModes: ["ReadWriteOnce"],
    persistentVolumeReclaimPolicy: "Delete",
    storageClassName: "local-path",
    volumeMode: "Filesystem",
    claimRef: { namespace: "default", name: "data" },
    local: { path: "/opt/local-path/pvc-1" },
    nodeAffinity: {
      required: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["node-1", "node-2"] }, { key: "disk", operator: "Exists" }] },
        ],
      },
    },
  },
  status: { phase: "Bound" },
};

const hostPv: PersistentVolume = {
  apiVersion: "v1",
  kind: "PersistentVolume",
  metadata: { name: "pv-host", creationTimestamp: created },
  spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteMany", "ReadOnlyMany"], persistentVolumeReclaimPolicy: "Retain", volumeMode: "Filesystem", hostPath: { path: "/srv/data", type: "" } },
  status: { phase: "Available" },
};

const boundClaim: PersistentVolumeClaim = {
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name: "data", namespace: "default", creationTimestamp: created, finalizers: ["kubernetes.io/pvc-protection"] },
  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, storageClassName: "local-path", volumeName: "pv-local", volumeMode: "Filesystem" },
  status: { phase: "Bound", capacity: { storage: "5Gi" }, accessModes: ["ReadWriteOnce"] },
};

const pendingClaim: PersistentVolumeClaim = {
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name: "waiting", namespace: "default", creationTimestamp: created },
  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, storageClassName: "local-path", volumeMode: "Filesystem" },
  status: { phase: "Pending" },
};

const localPath: StorageClass = {
  apiVersion: "storage.k8s.io/v1",
  kind: "StorageClass",
  metadata: { name: "local-path", creationTimestamp: created, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
  provisioner: "rancher.io/local-path",
  reclaimPolicy: "Delete",
  volumeBindingMode: "WaitForFirstConsumer",
};

/** A pod as the API sends it, whatever this build's pod schema holds. */
function pod(name: string, uid: string, claimName?: string): Pod {
  const spec = { containers: [{ name: "main", image: "busybox" }], ...(claimName ? { volumes: [{ name: "data", persistentVolumeClaim: { claimName } }] } : {}) };
  return JSON.parse(JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", uid }, spec })) as Pod;
}

let cli: CliAgainstFakeApi;

before(async () => {
  cli = await startCliAgainstFakeApi();
  cli.api.put("persistentvolumes", localPv);
  cli.api.put("persistentvolumes", hostPv);
  cli.api.put("persistentvolumeclaims", boundClaim);
  cli.api.put("persistentvolumeclaims", pendingClaim);
  cli.api.put("storageclasses", localPath);
  cli.api.put("pods", pod("db-0", "uid-db", "data"));
  cli.api.put("pods", pod("other", "uid-other"));
});
after(() => cli.close());

test("get pv: kubectl's columns, access modes as RWO,ROX,RWX, the claim as namespace/name", () => {
  assert.equal(
    printTable("PersistentVolume", [localPv, hostPv], { now }),
    [
      "NAME       CAPACITY   ACCESS MODES   RECLAIM POLICY   STATUS      CLAIM          STORAGECLASS   VOLUMEATTRIBUTESCLASS   REASON   AGE",
      "pv-local   5Gi        RWO            Delete           Bound       default/data   local-path     <unset>                          60m",
      "pv-host    1Gi        ROX,RWX        Retain           Available                                 <unset>                          60m",
      "",
    ].join("\n"),
  );
  assert.match(printTable("PersistentVolume", [hostPv], { now, wide: true }), /\s+AGE\s+VOLUMEMODE\n.*\s+60m\s+Filesystem\n$/);
});

test("get pvc: capacity and access modes only for a bound claim", () => {
  assert.equal(
    printTable("PersistentVolumeClaim", [boundClaim, pendingClaim], { now }),
    [
      "NAME      STATUS    VOLUME     CAPACITY   ACCESS MODES   STORAGECLASS   VOLUMEATTRIBUTESCLASS   AGE",
      "data      Bound     pv-local   5Gi        RWO            local-path     <unset>                 60m",
      "waiting   Pending                                        local-path     <unset>                 60m",
      "",
    ].join("\n"),
  );
});

test("get sc: \" (default)\" after the default class's name", () => {
  assert.equal(
    printTable("StorageClass", [localPath], { now }),
    [
      "NAME                   PROVISIONER             RECLAIMPOLICY   VOLUMEBINDINGMODE      ALLOWVOLUMEEXPANSION   AGE",
      "local-path (default)   rancher.io/local-path   Delete          WaitForFirstConsumer   false                  60m",
      "",
    ].join("\n"),
  );
});

test("describe pv: kubectl's layout, node affinity terms and the local source", () => {
  assert.equal(
    describePersistentVolume(localPv, [], now),
    [
      "Name:              pv-local",
      "Labels:            <none>",
      "Annotations:       <none>",
      "Finalizers:        [kubernetes.io/pv-protection]",
      "StorageClass:      local-path",
      "Status:            Bound",
      "Claim:             default/data",
      "Reclaim Policy:    Delete",
      "Access Modes:      RWO",
      "VolumeMode:        Filesystem",
      "Capacity:          5Gi",
      "Node Affinity:     ",
      "  Required Terms:  ",
      "    Term 0:        kubernetes.io/hostname in [node-1, node-2]",
      "                   disk exists",
      "Message:           ",
      "Source:",
      "    Type:  LocalVolume (a persistent volume backed by local storage on a node)",
      "    Path:  /opt/local-path/pvc-1",
      "Events:    <none>",
      "",
    ].join("\n"),
  );
  const host = describePersistentVolume({ ...hostPv, metadata: { ...hostPv.metadata, deletionTimestamp: "2024-05-01T11:55:00Z" } }, [], now);
  assert.match(host, /\nFinalizers:\s+\[\]\n/);
  assert.match(host, /\nStatus:\s+Terminating \(lasts 5m\)\n/);
  assert.match(host, /\nNode Affinity:\s+<none>\n/);
  assert.match(host, /\nSource:\n    Type:          HostPath \(bare host directory volume\)\n    Path:          \/srv\/data\n    HostPathType:  \nEvents:            <none>\n$/);
});

test("describe pvc: class, status, volume, capacity once bound, and the pods that use it", () => {
  const pods = [pod("web-1", "uid-web", "data"), pod("db-0", "uid-db", "data"), pod("other", "uid-other")];
  assert.deepEqual(claimUsers(boundClaim, pods).map((p) => p.metadata.name), ["web-1", "db-0"]);
  assert.equal(
    describePersistentVolumeClaim(boundClaim, pods, [], now),
    [
      "Name:          data",
      "Namespace:     default",
      "StorageClass:  local-path",
      "Status:        Bound",
      "Volume:        pv-local",
      "Labels:        <none>",
      "Annotations:   <none>",
      "Finalizers:    [kubernetes.io/pvc-protection]",
      "Capacity:      5Gi",
      "Access Modes:  RWO",
      "VolumeMode:    Filesystem",
      "Used By:       db-0",
      "               web-1",
      "Events:        <none>",
      "",
    ].join("\n"),
  );
  const owned = { ...pendingClaim, metadata: { ...pendingClaim.metadata, ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "other", uid: "uid-other" }] } };
  assert.deepEqual(claimUsers(owned, pods).map((p) => p.metadata.name), ["other"], "a pod that owns the claim uses it");
  assert.match(describePersistentVolumeClaim(pendingClaim, pods, [], now), /\nVolume:\s+\n.*\nCapacity:\s+\nAccess Modes:\s+\nVolumeMode:\s+Filesystem\nUsed By:\s+<none>\n/s);
});

test("describe sc: default or not, annotations and parameters as k=v, expansion True, False or <unset>", () => {
  assert.equal(
    describeStorageClass({ ...localPath, parameters: { nodePath: "/opt/local-path" }, mountOptions: ["noatime"] }, [], now),
    [
      "Name:                  local-path",
      "IsDefaultClass:        Yes",
      "Annotations:           storageclass.kubernetes.io/is-default-class=true",
      "Provisioner:           rancher.io/local-path",
      "Parameters:            nodePath=/opt/local-path",
      "AllowVolumeExpansion:  <unset>",
      "MountOptions:",
      "  noatime",
      // Lines without a tab end a tabwriter block, so what follows the options aligns on its own.
      "ReclaimPolicy:      Delete",
      "VolumeBindingMode:  WaitForFirstConsumer",
      "Events:             <none>",
      "",
    ].join("\n"),
  );
  const plain = describeStorageClass({ ...localPath, metadata: { name: "slow" }, allowVolumeExpansion: false }, [], now);
  assert.match(plain, /\nIsDefaultClass:\s+No\nAnnotations:\s+<none>\n.*\nAllowVolumeExpansion:\s+False\nMountOptions:\s+<none>\n/s);
});

test("bosun get pv,pvc,sc and describe pvc through the binary", async () => {
  const pv = await cli.run(["get", "pv"]);
  assert.equal(pv.code, 0, pv.stderr);
  assert.match(pv.stdout, /^NAME +CAPACITY +ACCESS MODES +RECLAIM POLICY +STATUS +CLAIM +STORAGECLASS +VOLUMEATTRIBUTESCLASS +REASON +AGE\n/);
  assert.match(pv.stdout, /\npv-local +5Gi +RWO +Delete +Bound +default\/data +local-path +<unset> +\S+\n/);
  const sc = await cli.run(["get", "storageclass"]);
  assert.equal(sc.code, 0, sc.stderr);
  assert.match(sc.stdout, /\nlocal-path \(default\) +rancher\.io\/local-path +Delete +WaitForFirstConsumer +false +\S+\n$/);
  const pvc = await cli.run(["get", "pvc", "data", "-o", "wide"]);
  assert.equal(pvc.code, 0, pvc.stderr);
  assert.match(pvc.stdout, /^NAME +STATUS +VOLUME +CAPACITY +ACCESS MODES +STORAGECLASS +VOLUMEATTRIBUTESCLASS +AGE +VOLUMEMODE\ndata +Bound +pv-local +5Gi +RWO +local-path +<unset> +\S+ +Filesystem\n$/);
  const described = await cli.run(["describe", "pvc", "data"]);
  assert.equal(described.code, 0, described.stderr);
  assert.match(described.stdout, /\nUsed By: +db-0\nEvents: +<none>\n$/);
  const describedPv = await cli.run(["describe", "pv", "pv-host"]);
  assert.equal(describedPv.code, 0, describedPv.stderr);
  assert.match(describedPv.stdout, /^Name: +pv-host\n/);
});
