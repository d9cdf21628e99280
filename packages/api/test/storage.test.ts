import { test } from "node:test";
import assert from "node:assert/strict";
import {
  accessModesText,
  applyDefaults,
  claimNamesClass,
  defaultStorageClass,
  printerFor,
  resourceByName,
  validateObject,
  type KubeObject,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StatusCause,
  type StorageClass,
} from "../src/index.js";

const volumes = resourceByName("pv")!;
const claims = resourceByName("pvc")!;
const classes = resourceByName("sc")!;
const now = Date.parse("2024-05-01T12:00:00Z");
const created = "2024-05-01T11:00:00Z";

function messages(causes: StatusCause[]): string[] {
  return causes.map((c) => `${c.field}: ${c.message}`);
}

const nodeAffinity = {
  required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["node-1"] }] }] },
};

function volume(spec: Record<string, unknown>, extra: Record<string, unknown> = {}): PersistentVolume {
  const pv = { apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "pv-1", creationTimestamp: created }, spec, ...extra } as PersistentVolume;
  applyDefaults(volumes, pv as KubeObject);
  return pv;
}

const hostPathSpec = { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/srv/data" } };
const localSpec = { capacity: { storage: "5Gi" }, accessModes: ["ReadWriteOnce"], local: { path: "/mnt/disk1" }, nodeAffinity };

function claim(spec: Record<string, unknown>, extra: Record<string, unknown> = {}): PersistentVolumeClaim {
  const pvc = { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data", namespace: "default", creationTimestamp: created }, spec, ...extra } as PersistentVolumeClaim;
  applyDefaults(claims, pvc as KubeObject);
  return pvc;
}

const claimSpec = { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } };

function storageClass(extra: Record<string, unknown> = {}): StorageClass {
  const sc = { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "local-path", creationTimestamp: created }, provisioner: "rancher.io/local-path", ...extra } as StorageClass;
  applyDefaults(classes, sc as KubeObject);
  return sc;
}

const checkVolume = (pv: PersistentVolume, old?: PersistentVolume) => messages(validateObject(volumes, pv, old as KubeObject | undefined));
const checkClaim = (pvc: PersistentVolumeClaim, old?: PersistentVolumeClaim) => messages(validateObject(claims, pvc, old as KubeObject | undefined));
const checkClass = (sc: StorageClass, old?: StorageClass) => messages(validateObject(classes, sc, old as KubeObject | undefined));

test("the table of served kinds: cluster-scoped pv and sc, namespaced pvc, status subresources on volumes and claims", () => {
  const row = (r: typeof volumes) => [r.group, r.version, r.resource, r.kind, r.namespaced, r.shortNames.join(","), r.subresources.join(",")];
  assert.deepEqual(row(volumes), ["", "v1", "persistentvolumes", "PersistentVolume", false, "pv", "status"]);
  assert.deepEqual(row(claims), ["", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, "pvc", "status"]);
  assert.deepEqual(row(classes), ["storage.k8s.io", "v1", "storageclasses", "StorageClass", false, "sc", ""]);
});

// ---- PersistentVolume ----

test("a volume defaults to Retain, Filesystem and Pending; a hostPath's type to \"\"", () => {
  const pv = volume(hostPathSpec);
  assert.equal(pv.spec?.persistentVolumeReclaimPolicy, "Retain");
  assert.equal(pv.spec?.volumeMode, "Filesystem");
  assert.equal(pv.spec?.hostPath?.type, "");
  assert.deepEqual(pv.status, { phase: "Pending" });
  const kept = volume({ ...hostPathSpec, persistentVolumeReclaimPolicy: "Delete", hostPath: { path: "/srv", type: "DirectoryOrCreate" } });
  assert.equal(kept.spec?.persistentVolumeReclaimPolicy, "Delete");
  assert.equal(kept.spec?.hostPath?.type, "DirectoryOrCreate");
  assert.deepEqual(checkVolume(volume(hostPathSpec)), []);
  assert.deepEqual(checkVolume(volume(localSpec)), []);
});

test("capacity.storage and access modes are required, as Kubernetes words it", () => {
  assert.deepEqual(checkVolume(volume({ hostPath: { path: "/srv" } })), ["spec.accessModes: Required value", "spec.capacity: Required value"]);
  assert.deepEqual(checkVolume(volume({ ...hostPathSpec, capacity: { storage: "0" } })), ['spec.capacity[storage]: Invalid value: "0": must be greater than zero']);
  assert.deepEqual(checkVolume(volume({ ...hostPathSpec, capacity: { storage: "1Gi", cpu: "1" } })), [
    'spec.capacity: Unsupported value: {"storage":"1Gi","cpu":"1"}: supported values: "storage"',
  ]);
  assert.deepEqual(checkVolume(volume({ ...hostPathSpec, capacity: { storage: "lots" } })), [
    "spec.capacity[storage]: Invalid value: \"lots\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
  ]);
  assert.deepEqual(checkVolume(volume({ ...hostPathSpec, accessModes: ["ReadWriteOncePod", "ReadOnlyMany"] })), [
    "spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes",
  ]);
  assert.deepEqual(checkVolume(volume({ ...hostPathSpec, accessModes: ["ReadWriteAll"] })), [
    'spec.accessModes[0]: Unsupported value: "ReadWriteAll": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
  ]);
});

test("Recycle, block volumes and sources other than hostPath and local are refused by name, saying why", () => {
  const [recycle] = checkVolume(volume({ ...hostPathSpec, persistentVolumeReclaimPolicy: "Recycle" }));
  assert.match(recycle!, /^spec\.persistentVolumeReclaimPolicy: Forbidden: Bosun does not recycle volumes/);
  const [block] = checkVolume(volume({ ...localSpec, volumeMode: "Block" }));
  assert.match(block!, /^spec\.volumeMode: Forbidden: Bosun runs containers through Docker and cannot attach block devices/);
  const [nfs, ...rest] = checkVolume(volume({ capacity: { storage: "1Gi" }, accessModes: ["ReadWriteMany"], nfs: { server: "10.0.0.1", path: "/exports" } }));
  assert.match(nfs!, /^spec\.nfs: Forbidden: Bosun supports hostPath and local persistent volumes only: .*cannot mount nfs volumes$/);
  assert.deepEqual(rest, [], "no second cause saying that no source was given");
  const [csi] = checkVolume(volume({ ...hostPathSpec, hostPath: undefined, csi: { driver: "ebs.csi.aws.com", volumeHandle: "vol-1" } }));
  assert.match(csi!, /^spec\.csi: Forbidden: Bosun supports hostPath and local persistent volumes only/);
  assert.deepEqual(checkVolume(volume({ capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"] })), [
    "spec: Required value: must specify a volume type (Bosun supports hostPath and local persistent volumes only: hostPath or local)",
  ]);
  assert.deepEqual(checkVolume(volume({ ...localSpec, hostPath: { path: "/srv" } })), ["spec.local: Forbidden: may not specify more than 1 volume type"]);
});

test("hostPath and local paths: required, absolute, no '..'; a local volume needs node affinity", () => {
  assert.deepEqual(checkVolume(volume({ ...hostPathSpec, hostPath: { path: "" } })), ["spec.hostPath.path: Required value"]);
  assert.deepEqual(checkVolume(volume({ ...hostPathSpec, hostPath: { path: "/srv/../etc" } })), ['spec.hostPath.path: Invalid value: "/srv/../etc": must not contain \'..\'']);
  assert.deepEqual(checkVolume(volume({ ...hostPathSpec, hostPath: { path: "data" } })), [
    'spec.hostPath.path: Invalid value: "data": must be an absolute path: Docker binds only absolute paths of the node',
  ]);
  assert.deepEqual(checkVolume(volume({ ...hostPathSpec, hostPath: { path: "/srv", type: "Pipe" } })), [
    'spec.hostPath.type: Unsupported value: "Pipe": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"',
  ]);
  assert.deepEqual(checkVolume(volume({ ...localSpec, local: { path: "disk1" } })), ['spec.local: Invalid value: "disk1": must be an absolute path']);
  assert.deepEqual(checkVolume(volume({ ...localSpec, nodeAffinity: undefined })), ["spec.nodeAffinity: Required value: Local volume requires node affinity"]);
  const [options] = checkVolume(volume({ ...hostPathSpec, mountOptions: ["noatime"] }));
  assert.match(options!, /^spec\.mountOptions: Forbidden: hostPath volumes take no mount options/);
  assert.deepEqual(checkVolume(volume({ ...localSpec, mountOptions: ["noatime"] })), []);
});

test("node affinity is checked as Kubernetes' ValidateNodeSelector", () => {
  const withAffinity = (affinity: unknown) => checkVolume(volume({ ...localSpec, nodeAffinity: affinity }));
  assert.deepEqual(withAffinity({}), ["spec.nodeAffinity.required: Required value: must specify required node constraints"]);
  assert.deepEqual(withAffinity({ required: { nodeSelectorTerms: [] } }), [
    "spec.nodeAffinity.required.nodeSelectorTerms: Required value: must have at least one node selector term",
  ]);
  const term = (matchExpressions: unknown[], matchFields: unknown[] = []) => withAffinity({ required: { nodeSelectorTerms: [{ matchExpressions, matchFields }] } });
  const base = "spec.nodeAffinity.required.nodeSelectorTerms[0]";
  assert.deepEqual(
    term([
      { key: "zone", operator: "In" },
      { key: "ssd", operator: "Exists", values: ["x"] },
      { key: "cores", operator: "Gt", values: ["1", "2"] },
      { key: "bad key!", operator: "In", values: ["bad value!"] },
    ]),
    [
      `${base}.matchExpressions[0].values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`,
      `${base}.matchExpressions[1].values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`,
      `${base}.matchExpressions[2].values: Required value: must be specified single value when \`operator\` is 'Lt' or 'Gt'`,
      `${base}.matchExpressions[3].key: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      `${base}.matchExpressions[3].values[0]: Invalid value: "bad value!": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    ],
  );
  assert.deepEqual(term([], [{ key: "metadata.name", operator: "In", values: ["node-1"] }]), []);
  assert.deepEqual(term([], [{ key: "metadata.name", operator: "Exists" }, { key: "spec.nodeName", operator: "In", values: ["a", "b"] }]), [
    `${base}.matchFields[0].operator: Invalid value: "Exists": not a valid selector operator`,
    `${base}.matchFields[1].values: Required value: must be only one value when \`operator\` is 'In' or 'NotIn' for node field selector`,
    `${base}.matchFields[1].key: Invalid value: "spec.nodeName": not a valid field selector key`,
  ]);
});

test("a volume's source, volume mode and node affinity never change; its claim, class and capacity may", () => {
  const old = volume(localSpec);
  const update = (spec: Record<string, unknown>) => checkVolume(volume({ ...localSpec, ...spec }), old);
  assert.deepEqual(update({ claimRef: { namespace: "default", name: "data" }, storageClassName: "manual", capacity: { storage: "10Gi" } }), []);
  assert.deepEqual(update({ local: { path: "/mnt/disk2" } }), ["spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation"]);
  const otherNode = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["node-2"] }] }] } };
  const moved = update({ nodeAffinity: otherNode });
  assert.equal(moved.length, 1);
  assert.match(moved[0]!, /^nodeAffinity: Invalid value: \{"required":.*: field is immutable$/);
  const hostPath = volume(hostPathSpec);
  assert.deepEqual(checkVolume(volume({ ...hostPathSpec, nodeAffinity }), hostPath), [], "node affinity may be set where there was none");
});

// ---- PersistentVolumeClaim ----

test("a claim defaults to Filesystem and Pending; access modes and a positive storage request are required", () => {
  const pvc = claim(claimSpec);
  assert.equal(pvc.spec?.volumeMode, "Filesystem");
  assert.deepEqual(pvc.status, { phase: "Pending" });
  assert.deepEqual(checkClaim(pvc), []);
  assert.deepEqual(checkClaim(claim({})), ["spec.accessModes: Required value: at least 1 access mode is required", "spec.resources[storage]: Required value"]);
  assert.deepEqual(checkClaim(claim({ ...claimSpec, resources: { requests: { storage: "0Gi" } } })), ['spec.resources[storage]: Invalid value: "0Gi": must be greater than zero']);
  assert.deepEqual(checkClaim(claim({ ...claimSpec, storageClassName: "Local_Path" })), [
    `spec.storageClassName: Invalid value: "Local_Path": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  ]);
  assert.deepEqual(checkClaim(claim({ ...claimSpec, selector: { matchExpressions: [{ key: "tier", operator: "In" }] } })), [
    "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
  ]);
  assert.deepEqual(checkClaim(claim({ ...claimSpec, storageClassName: "", volumeName: "pv-1", selector: { matchLabels: { tier: "db" } } })), []);
});

test("block claims and claims filled from a data source are refused by name", () => {
  const [block] = checkClaim(claim({ ...claimSpec, volumeMode: "Block" }));
  assert.match(block!, /^spec\.volumeMode: Forbidden: Bosun runs containers through Docker and cannot attach block devices/);
  const causes = checkClaim(claim({ ...claimSpec, dataSource: { kind: "PersistentVolumeClaim", name: "other" }, dataSourceRef: { kind: "PersistentVolumeClaim", name: "other" } }));
  assert.equal(causes.length, 2);
  assert.match(causes[0]!, /^spec\.dataSource: Forbidden: Bosun cannot fill a new claim from another claim or a snapshot/);
  assert.match(causes[1]!, /^spec\.dataSourceRef: Forbidden:/);
});

test("a claim is immutable but for volumeName once, its storage request while bound (never smaller), and a class where it had none", () => {
  const pending = claim(claimSpec);
  const update = (spec: Record<string, unknown>, old = pending, extra: Record<string, unknown> = {}) => checkClaim(claim({ ...claimSpec, ...spec }, extra), old);
  assert.deepEqual(update({ volumeName: "pv-1" }), [], "the binder sets volumeName");
  assert.deepEqual(update({ storageClassName: "local-path" }), [], "a class where there was none");
  const bound = claim({ ...claimSpec, volumeName: "pv-1", storageClassName: "local-path" }, { status: { phase: "Bound" } });
  assert.deepEqual(update({ volumeName: "pv-2", storageClassName: "local-path" }, bound, { status: { phase: "Bound" } }), [
    "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims; changed: spec.volumeName",
  ]);
  assert.deepEqual(update({ accessModes: ["ReadWriteMany"] }), [
    "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims; changed: spec.accessModes",
  ]);
  assert.deepEqual(update({ resources: { requests: { storage: "2Gi" } } }), [
    "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims; changed: spec.resources",
  ], "an unbound claim's request does not change");
  const grown = { volumeName: "pv-1", storageClassName: "local-path", resources: { requests: { storage: "2Gi" } } };
  assert.deepEqual(update(grown, bound, { status: { phase: "Bound" } }), [], "a bound claim's request may grow");
  assert.deepEqual(update({ ...grown, resources: { requests: { storage: "512Mi" } } }, bound, { status: { phase: "Bound" } }), [
    "spec.resources.requests.storage: Forbidden: field can not be less than previous value",
  ]);
  const annotated = claim(claimSpec, { metadata: { name: "data", namespace: "default", annotations: { "volume.beta.kubernetes.io/storage-class": "slow" } } });
  assert.deepEqual(update({ storageClassName: "slow" }, annotated, { metadata: annotated.metadata }), [], "the class the beta annotation named");
  assert.match(update({ storageClassName: "fast" }, annotated, { metadata: annotated.metadata })[0]!, /^spec: Forbidden: spec is immutable/);
  assert.deepEqual(update({}, annotated, { metadata: { name: "data", namespace: "default", annotations: { "volume.beta.kubernetes.io/storage-class": "fast" } } }), [
    'metadata.annotations.volume.beta.kubernetes.io/storage-class: Invalid value: "fast": field is immutable',
  ]);
});

// ---- StorageClass ----

test("a class defaults to Delete and Immediate; its provisioner is a qualified name", () => {
  const sc = storageClass();
  assert.equal(sc.reclaimPolicy, "Delete");
  assert.equal(sc.volumeBindingMode, "Immediate");
  assert.deepEqual(checkClass(sc), []);
  assert.deepEqual(checkClass(storageClass({ provisioner: "" })), ["provisioner: Required value"]);
  assert.deepEqual(checkClass(storageClass({ provisioner: "example.com/my provisioner" })), [
    `provisioner: Invalid value: "example.com/my provisioner": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
  ]);
  assert.deepEqual(checkClass(storageClass({ reclaimPolicy: "Recycle" })), ['reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"']);
  assert.deepEqual(checkClass(storageClass({ volumeBindingMode: "Later" })), [
    'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"',
  ]);
  assert.deepEqual(checkClass(storageClass({ parameters: { "": "x" } })), ['parameters: Invalid value: "": field can not be empty.']);
  assert.deepEqual(checkClass(storageClass({ parameters: { big: "x".repeat(256 * 1024) } })), ["parameters: Too long: must have at most 262144 bytes"]);
});

test("a class's provisioner, parameters, reclaim policy and binding mode never change; expansion and mount options may", () => {
  const old = storageClass({ parameters: { nodePath: "/opt/local-path" }, volumeBindingMode: "WaitForFirstConsumer" });
  const update = (extra: Record<string, unknown>) =>
    checkClass(storageClass({ parameters: { nodePath: "/opt/local-path" }, volumeBindingMode: "WaitForFirstConsumer", ...extra }), old);
  assert.deepEqual(update({ allowVolumeExpansion: true, mountOptions: ["noatime"] }), []);
  assert.deepEqual(update({ provisioner: "example.com/other", parameters: {}, reclaimPolicy: "Retain", volumeBindingMode: "Immediate" }), [
    "parameters: Forbidden: updates to parameters are forbidden.",
    "provisioner: Forbidden: updates to provisioner are forbidden.",
    "reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.",
    'volumeBindingMode: Invalid value: "Immediate": field is immutable',
  ]);
});

// ---- tables ----

test("access modes print as kubectl does: RWO,ROX,RWX,RWOP in that order, each once", () => {
  assert.equal(accessModesText(["ReadWriteOncePod", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOnce", "ReadOnlyMany"]), "RWO,ROX,RWX,RWOP");
  assert.equal(accessModesText(undefined), "");
});

test("the volume table: capacity, modes, policy, status (Terminating while deleted), claim, class (the beta annotation first), unset attributes class", () => {
  const pv = volume({ ...localSpec, accessModes: ["ReadOnlyMany", "ReadWriteOnce"], claimRef: { namespace: "default", name: "data" }, storageClassName: "local-path" }, {
    status: { phase: "Bound" },
  });
  assert.deepEqual(printerFor("PersistentVolume").cells(pv, now), ["pv-1", "5Gi", "RWO,ROX", "Retain", "Bound", "default/data", "local-path", "<unset>", "", "60m", "Filesystem"]);
  pv.metadata.deletionTimestamp = created;
  pv.metadata.annotations = { "volume.beta.kubernetes.io/storage-class": "legacy" };
  pv.status = { phase: "Failed", reason: "NoDeleter" };
  const cells = printerFor("PersistentVolume").cells(pv, now);
  assert.deepEqual([cells[4], cells[6], cells[8]], ["Terminating", "legacy", "NoDeleter"]);
  assert.equal(printerFor("PersistentVolume").cells(volume(hostPathSpec), now)[5], "", "no claim");
});

test("the claim table: capacity and access modes only once bound, from the claim's status", () => {
  const pending = claim({ ...claimSpec, storageClassName: "local-path" });
  assert.deepEqual(printerFor("PersistentVolumeClaim").cells(pending, now), ["data", "Pending", "", "", "", "local-path", "<unset>", "60m", "Filesystem"]);
  const bound = claim({ ...claimSpec, volumeName: "pv-1" }, { status: { phase: "Bound", capacity: { storage: "5Gi" }, accessModes: ["ReadWriteOnce"] } });
  assert.deepEqual(printerFor("PersistentVolumeClaim").cells(bound, now), ["data", "Bound", "pv-1", "5Gi", "RWO", "", "<unset>", "60m", "Filesystem"]);
});

test("the class table: \" (default)\" after a default class's name, by either annotation; expansion as a boolean", () => {
  const sc = storageClass({ metadata: { name: "local-path", creationTimestamp: created, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } } });
  assert.deepEqual(printerFor("StorageClass").cells(sc, now), ["local-path (default)", "rancher.io/local-path", "Delete", "Immediate", false, "60m"]);
  const beta = storageClass({ metadata: { name: "old", annotations: { "storageclass.beta.kubernetes.io/is-default-class": "true" } }, allowVolumeExpansion: true });
  assert.deepEqual(printerFor("StorageClass").cells(beta, now).slice(0, 5), ["old (default)", "rancher.io/local-path", "Delete", "Immediate", true]);
  const notDefault = storageClass({ metadata: { name: "slow", annotations: { "storageclass.kubernetes.io/is-default-class": "false" } } });
  assert.equal(printerFor("StorageClass").cells(notDefault, now)[0], "slow");
});

test("the default class is the newest one annotated as default (then the first by name); a claim names a class by field, even \"\", or beta annotation", () => {
  const at = (name: string, time: string, annotations: Record<string, string> = {}) => storageClass({ metadata: { name, creationTimestamp: time, annotations } });
  const isDefault = { "storageclass.kubernetes.io/is-default-class": "true" };
  const classes = [
    at("old", "2024-01-01T00:00:00Z", isDefault),
    at("newest-plain", "2024-06-01T00:00:00Z"),
    at("b-new", "2024-03-01T00:00:00Z", isDefault),
    at("a-new", "2024-03-01T00:00:00Z", { "storageclass.beta.kubernetes.io/is-default-class": "true" }),
  ];
  assert.equal(defaultStorageClass(classes)?.metadata.name, "a-new");
  assert.equal(defaultStorageClass([at("plain", created), at("off", created, { "storageclass.kubernetes.io/is-default-class": "false" })]), undefined);
  assert.equal(claimNamesClass(claim(claimSpec)), false);
  assert.equal(claimNamesClass(claim({ ...claimSpec, storageClassName: "" })), true);
  assert.equal(claimNamesClass(claim(claimSpec, { metadata: { name: "d", annotations: { "volume.beta.kubernetes.io/storage-class": "slow" } } })), true);
});
