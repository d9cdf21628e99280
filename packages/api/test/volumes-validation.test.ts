// A pod's volumes and mounts as Kubernetes defaults and validates them: every
// cause names its field path and carries Kubernetes' wording; what Bosun's agents
// cannot mount is refused by name. Also which Secrets, ConfigMaps and claims a pod
// uses (what its node may read), and the merge keys of the new lists.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  applyDefaults,
  formatFieldMap,
  metadataFieldValue,
  patchMetaOf,
  podReferencedNames,
  PodSpec,
  Container,
  resourceByName,
  validateObject,
  type KubeObject,
  type Pod,
} from "../src/index.js";

const pods = resourceByName("pods")!;

function pod(spec: Record<string, unknown>): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "default" }, spec } as unknown as Pod;
}

function container(mounts: unknown[] = []): Record<string, unknown> {
  return { name: "app", image: "bosun.local/busybox:1", volumeMounts: mounts };
}

/** The pod after defaulting, and its causes as "field: message". */
function check(volumes: unknown[], mounts: unknown[] = [], extra: Record<string, unknown> = {}): { pod: Pod; problems: string[] } {
  const p = pod({ volumes, containers: [container(mounts)], ...extra });
  applyDefaults(pods, p as unknown as KubeObject);
  return { pod: p, problems: validateObject(pods, p).map((c) => `${c.field}: ${c.message}`) };
}

test("every supported source passes, with Kubernetes' defaults filled in", () => {
  const { pod: p, problems } = check(
    [
      { name: "scratch" },
      { name: "cache", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
      { name: "host", hostPath: { path: "/var/log" } },
      { name: "config", configMap: { name: "app", items: [{ key: "a.conf", path: "conf/a.conf", mode: 0o600 }], optional: true } },
      { name: "creds", secret: { secretName: "db", defaultMode: 0o400 } },
      { name: "info", downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }, { path: "mem", resourceFieldRef: { containerName: "app", resource: "limits.memory" } }] } },
      {
        name: "all",
        projected: {
          sources: [
            { configMap: { name: "app", items: [{ key: "k", path: "cm-k" }] } },
            { secret: { name: "db" } },
            { downwardAPI: { items: [{ path: "name", fieldRef: { fieldPath: "metadata.labels['app']" } }] } },
          ],
        },
      },
      { name: "data", persistentVolumeClaim: { claimName: "data", readOnly: true } },
    ],
    [
      { name: "scratch", mountPath: "/scratch" },
      { name: "config", mountPath: "/etc/app.conf", subPath: "conf/a.conf", readOnly: true },
      { name: "data", mountPath: "/data", subPathExpr: "$(POD_NAME)", mountPropagation: "None" },
    ],
    { imagePullSecrets: [{ name: "registry" }] },
  );
  assert.deepEqual(problems, []);
  const v = p.spec.volumes ?? [];
  assert.deepEqual(v[0], { name: "scratch", emptyDir: {} }, "a volume without a source is an emptyDir");
  assert.deepEqual(v[2]?.hostPath, { path: "/var/log", type: "" });
  assert.equal(v[3]?.configMap?.defaultMode, 0o644);
  assert.equal(v[4]?.secret?.defaultMode, 0o400, "a mode that is set stays");
  assert.equal(v[5]?.downwardAPI?.defaultMode, 0o644);
  assert.equal(v[5]?.downwardAPI?.items?.[0]?.fieldRef?.apiVersion, "v1");
  assert.equal(v[6]?.projected?.defaultMode, 0o644);
  assert.equal(v[6]?.projected?.sources?.[2]?.downwardAPI?.items?.[0]?.fieldRef?.apiVersion, "v1");
  assert.equal(v[1]?.emptyDir?.medium, "Memory");
});

test("names: unique DNS labels, and a mount names a volume the pod defines", () => {
  const { problems } = check([{ name: "cache", emptyDir: {} }, { name: "cache", emptyDir: {} }, { name: "Bad_Name", emptyDir: {} }, { name: "", emptyDir: {} }], [{ name: "nowhere", mountPath: "/x" }, { name: "", mountPath: "/y" }]);
  assert.ok(problems.includes('spec.volumes[1].name: Duplicate value: "cache"'), problems.join("\n"));
  assert.ok(problems.some((p) => p.startsWith('spec.volumes[2].name: Invalid value: "Bad_Name": a lowercase RFC 1123 label')), problems.join("\n"));
  assert.ok(problems.includes("spec.volumes[3].name: Required value"));
  assert.ok(problems.includes('spec.containers[0].volumeMounts[0].name: Not found: "nowhere"'));
  assert.ok(problems.includes("spec.containers[0].volumeMounts[1].name: Required value"));
});

test("exactly one source; the ones Bosun cannot mount are refused by name", () => {
  const { problems } = check([
    { name: "two", emptyDir: {}, hostPath: { path: "/tmp" } },
    { name: "nfs", nfs: { server: "nas", path: "/export" } },
    { name: "git", gitRepo: { repository: "https://example.com/r.git" } },
    { name: "huge", emptyDir: { medium: "HugePages" } },
    { name: "odd", emptyDir: { medium: "Disk", sizeLimit: "-1Gi" } },
  ]);
  assert.deepEqual(problems, [
    "spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type",
    "spec.volumes[1].nfs: Forbidden: Bosun's agents cannot mount nfs volumes: they bind directories of the node into containers; use emptyDir, hostPath, configMap, secret, downwardAPI, projected or persistentVolumeClaim",
    "spec.volumes[2].gitRepo: Forbidden: Bosun's agents cannot mount gitRepo volumes: they bind directories of the node into containers; use emptyDir, hostPath, configMap, secret, downwardAPI, projected or persistentVolumeClaim",
    "spec.volumes[3].emptyDir.medium: Forbidden: Bosun cannot back an emptyDir with huge pages: use medium Memory (a tmpfs) or leave medium out (the node's disk)",
    'spec.volumes[4].emptyDir.medium: Unsupported value: "Disk": supported values: "", "Memory"',
    "spec.volumes[4].emptyDir.sizeLimit: Forbidden: SizeLimit field must be a valid resource quantity",
  ]);
});

test("files: names and keys required, relative paths without '..', modes 0 to 0777", () => {
  const { problems } = check([
    { name: "cm", configMap: { items: [{ key: "", path: "/abs" }, { key: "k", path: "../up", mode: 0o1000 }, { key: "k", path: "..data" }] } },
    { name: "sec", secret: { defaultMode: -1 } },
    { name: "dapi", downwardAPI: { items: [{ path: "x" }, { path: "y", fieldRef: { fieldPath: "status.podIP" } }, { path: "z", resourceFieldRef: { resource: "limits.cpu" } }] } },
    { name: "pvc", persistentVolumeClaim: { claimName: "" } },
  ]);
  assert.deepEqual(problems, [
    "spec.volumes[0].configMap.name: Required value",
    "spec.volumes[0].configMap.items[0].key: Required value",
    'spec.volumes[0].configMap.items[0].path: Invalid value: "/abs": must be a relative path',
    "spec.volumes[0].configMap.items[1].path: Invalid value: \"../up\": must not contain '..'",
    "spec.volumes[0].configMap.items[1].mode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive",
    "spec.volumes[0].configMap.items[2].path: Invalid value: \"..data\": must not start with '..'",
    "spec.volumes[1].secret.secretName: Required value",
    "spec.volumes[1].secret.defaultMode: Invalid value: -1: must be a number between 0 and 0777 (octal), both inclusive",
    "spec.volumes[2].downwardAPI.items[0]: Required value: one of fieldRef and resourceFieldRef is required",
    'spec.volumes[2].downwardAPI.items[1].fieldRef.fieldPath: Unsupported value: "status.podIP": supported values: "metadata.name", "metadata.namespace", "metadata.labels", "metadata.annotations", "metadata.uid"',
    "spec.volumes[2].downwardAPI.items[2].resourceFieldRef.containerName: Required value",
    "spec.volumes[3].persistentVolumeClaim.claimName: Required value",
  ]);
});

test("projected: one source each, no path twice, a token's life and path checked, trust bundles refused by name", () => {
  const { problems } = check([
    {
      name: "p",
      projected: {
        sources: [
          { configMap: { name: "a", items: [{ key: "k", path: "same" }] }, secret: { name: "b" } },
          { secret: { name: "b", items: [{ key: "k", path: "same" }] } },
          { serviceAccountToken: { path: "token" } },
          { serviceAccountToken: { path: "../token", expirationSeconds: 60 } },
          { serviceAccountToken: { path: "token", expirationSeconds: 2 ** 33 } },
          { clusterTrustBundle: { path: "ca.crt" } },
        ],
      },
    },
  ]);
  assert.deepEqual(problems, [
    "spec.volumes[0].projected.sources[0]: Forbidden: may not specify more than 1 volume type",
    'spec.volumes[0].projected: Invalid value: "b": conflicting duplicate paths',
    "spec.volumes[0].projected.sources[3].serviceAccountToken.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes",
    "spec.volumes[0].projected.path: Invalid value: \"../token\": must not contain '..'",
    "spec.volumes[0].projected.sources[4].serviceAccountToken.expirationSeconds: Invalid value: 8589934592: may not specify a duration larger than 2^32 seconds",
    'spec.volumes[0].projected: Invalid value: "token": conflicting duplicate paths',
    "spec.volumes[0].projected.sources[5].clusterTrustBundle: Forbidden: Bosun cannot project clusterTrustBundle yet (it has no cluster trust bundles): use configMap, secret, downwardAPI or serviceAccountToken sources",
  ]);
});

test("mounts: absolute unique mount paths, relative sub-paths, subPath or subPathExpr, propagation None only", () => {
  const { problems } = check(
    [{ name: "v", emptyDir: {} }],
    [
      { name: "v", mountPath: "relative" },
      { name: "v", mountPath: "/a", subPath: "/abs" },
      { name: "v", mountPath: "/a", subPath: "x/../../y" },
      { name: "v", mountPath: "/b", subPath: "s", subPathExpr: "$(X)" },
      { name: "v", mountPath: "/c", mountPropagation: "HostToContainer" },
      { name: "v", mountPath: "/d", mountPropagation: "Sideways" },
    ],
  );
  assert.deepEqual(problems, [
    'spec.containers[0].volumeMounts[0].mountPath: Invalid value: "relative": must be an absolute path: Docker mounts volumes at absolute paths of the container',
    'spec.containers[0].volumeMounts[1].subPath: Invalid value: "/abs": must be a relative path',
    'spec.containers[0].volumeMounts[2].mountPath: Invalid value: "/a": must be unique',
    "spec.containers[0].volumeMounts[2].subPath: Invalid value: \"x/../../y\": must not contain '..'",
    'spec.containers[0].volumeMounts[3].subPathExpr: Invalid value: "$(X)": subPathExpr and subPath are mutually exclusive',
    "spec.containers[0].volumeMounts[4].mountPropagation: Forbidden: Bosun binds volumes with private propagation only: mounts made later on either side are not seen by the other; leave mountPropagation out or set None",
    'spec.containers[0].volumeMounts[5].mountPropagation: Unsupported value: "Sideways": supported values: "Bidirectional", "HostToContainer", "None"',
  ]);
});

test("a hostPath volume takes the persistent volume's rules: absolute, without '..'", () => {
  const { problems } = check([{ name: "h", hostPath: { path: "var/../etc" } }]);
  assert.deepEqual(problems, [
    "spec.volumes[0].hostPath.path: Invalid value: \"var/../etc\": must not contain '..'",
    'spec.volumes[0].hostPath.path: Invalid value: "var/../etc": must be an absolute path: Docker binds only absolute paths of the node',
  ]);
});

test("volumes and imagePullSecrets are part of what a pod uses: its node may read them", () => {
  const p = pod({
    containers: [{ name: "app", image: "x", env: [{ name: "A", valueFrom: { secretKeyRef: { name: "env-secret", key: "k" } } }] }],
    volumes: [
      { name: "a", secret: { secretName: "vol-secret" } },
      { name: "b", configMap: { name: "vol-config" } },
      { name: "c", projected: { sources: [{ secret: { name: "proj-secret" } }, { configMap: { name: "proj-config" } }, { downwardAPI: {} }] } },
      { name: "d", persistentVolumeClaim: { claimName: "data" } },
    ],
    imagePullSecrets: [{ name: "registry" }, {}],
  });
  assert.deepEqual([...podReferencedNames(p, "Secret")].sort(), ["env-secret", "proj-secret", "registry", "vol-secret"]);
  assert.deepEqual([...podReferencedNames(p, "ConfigMap")].sort(), ["proj-config", "vol-config"]);
  assert.deepEqual([...podReferencedNames(p, "PersistentVolumeClaim")], ["data"]);
});

test("a downwardAPI file of all labels holds them as Kubernetes' FormatMap writes them", () => {
  assert.equal(formatFieldMap({ zone: "b", app: "web" }), 'app="web"\nzone="b"');
  assert.equal(formatFieldMap({ note: 'say "hi"\n\tbye\\' }), 'note="say \\"hi\\"\\n\\tbye\\\\"');
  assert.equal(formatFieldMap(undefined), "");
  assert.equal(metadataFieldValue({ annotations: { a: "1", "b.io/x": "é" } }, "metadata.annotations"), 'a="1"\nb.io/x="é"');
});

test("volumes merge by name (dropping a replaced source), mounts by mountPath, pull secrets by name", () => {
  assert.deepEqual(patchMetaOf(PodSpec, "volumes"), { listType: "map", listMapKeys: ["name"], patchStrategy: "merge,retainKeys", patchMergeKey: "name" });
  assert.deepEqual(patchMetaOf(PodSpec, "imagePullSecrets"), { listType: "map", listMapKeys: ["name"], patchStrategy: "merge", patchMergeKey: "name" });
  assert.deepEqual(patchMetaOf(Container, "volumeMounts"), { listType: "map", listMapKeys: ["mountPath"], patchStrategy: "merge", patchMergeKey: "mountPath" });
});
