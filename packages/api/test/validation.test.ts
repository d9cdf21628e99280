import assert from "node:assert/strict";
import { test } from "node:test";
import {
  applyDefaults,
  invalid,
  resourceByName,
  validateObject,
  validateStructure,
  type KubeObject,
  type Pod,
  type StatusCause,
} from "../src/index.js";

const pods = resourceByName("pods")!;
const namespaces = resourceByName("namespaces")!;
const nodes = resourceByName("nodes")!;
const events = resourceByName("events")!;

function pod(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default" },
    spec: { containers: [{ name: "app", image: "bosun.local/busybox:1" }] },
    ...overrides,
  };
}

function fields(causes: StatusCause[]): string[] {
  return causes.map((c) => `${c.field}: ${c.message}`);
}

test("a well-formed pod has no problems, before and after defaulting", () => {
  const p = pod();
  assert.deepEqual(validateObject(pods, p), []);
  applyDefaults(pods, p as unknown as KubeObject);
  assert.deepEqual(validateObject(pods, p), []);
});

test("unknown fields are refused by path, as strict decoding reports them", () => {
  const p = pod({ spec: { containers: [{ name: "app", image: "x", foo: 1 }], bogus: true } });
  const causes = validateObject(pods, p).map((c) => [c.reason, c.field, c.message]);
  assert.deepEqual(causes.sort(), [
    ["FieldValueUnknown", "spec.bogus", 'unknown field "spec.bogus"'],
    ["FieldValueUnknown", "spec.containers[0].foo", 'unknown field "spec.containers[0].foo"'],
  ]);
});

test("missing and mistyped fields name the field and the expected type", () => {
  const p = pod({
    spec: {
      containers: [{ name: "app", ports: [{ containerPort: "80" }], resources: { limits: { cpu: true } } }],
      terminationGracePeriodSeconds: 1.5,
      restartPolicy: "Sometimes",
    },
  });
  const got = fields(validateObject(pods, p));
  assert.deepEqual(got.sort(), [
    "spec.containers[0].image: Required value",
    'spec.containers[0].ports[0].containerPort: Invalid value: "80": expected integer, got string',
    'spec.containers[0].resources.limits[cpu]: Invalid value: true: expected a quantity such as "500m", "2" or "64Mi", got boolean',
    'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    "spec.terminationGracePeriodSeconds: Invalid value: 1.5: expected integer, got number",
  ]);
  const required = validateObject(pods, pod({ spec: { containers: [{ name: "a" }] } }));
  assert.equal(required.length, 1, "a missing field is reported once");
  assert.equal(required[0]!.reason, "FieldValueRequired");
});

test("label keys in paths print as map keys, timestamps must be RFC 3339", () => {
  const p = pod({ metadata: { name: "web", namespace: "default", labels: { "app.kubernetes.io/name": 1 } } });
  assert.deepEqual(fields(validateObject(pods, p)), [
    "metadata.labels[app.kubernetes.io/name]: Invalid value: 1: expected string, got integer",
  ]);
  const t = pod({ metadata: { name: "web", namespace: "default", creationTimestamp: "yesterday" } });
  assert.match(fields(validateObject(pods, t))[0]!, /^metadata\.creationTimestamp: Invalid value: "yesterday": must be an RFC 3339 timestamp/);
  const ok = pod({ metadata: { name: "web", namespace: "default", creationTimestamp: "2024-05-01T12:00:00Z" } });
  assert.deepEqual(validateObject(pods, ok), []);
});

test("a non-object body gets one cause", () => {
  assert.equal(validateStructure(pods.schema, "hello").length, 1);
  assert.equal(validateObject(pods, null)[0]!.reason, "FieldValueTypeInvalid");
});

test("names: required, DNS-1123 subdomain for pods, DNS-1123 label for namespaces", () => {
  const noName = pod({ metadata: { namespace: "default" } });
  assert.deepEqual(fields(validateObject(pods, noName)), ["metadata.name: Required value: name or generateName is required"]);
  assert.deepEqual(validateObject(pods, pod({ metadata: { generateName: "web-", namespace: "default" } })), []);

  const bad = validateObject(pods, pod({ metadata: { name: "Web_1", namespace: "default" } }));
  assert.equal(bad.length, 1);
  assert.equal(bad[0]!.field, "metadata.name");
  assert.equal(
    bad[0]!.message,
    `Invalid value: "Web_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  );
  const msg = invalid(pods, "Web_1", bad).message!;
  assert.ok(msg.startsWith('Pod "Web_1" is invalid: metadata.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain'));

  assert.deepEqual(validateObject(pods, pod({ metadata: { name: "a.b", namespace: "default" } })), []);
  const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "a.b" } };
  assert.deepEqual(fields(validateObject(namespaces, ns)), ['metadata.name: Invalid value: "a.b": must not contain dots']);
  const nsWithNs = { apiVersion: "v1", kind: "Namespace", metadata: { name: "x", namespace: "y" } };
  assert.deepEqual(fields(validateObject(namespaces, nsWithNs)), ["metadata.namespace: Forbidden: not allowed on this type"]);
  assert.deepEqual(fields(validateObject(pods, pod({ metadata: { name: "x" } }))), ["metadata.namespace: Required value"]);
  assert.match(fields(validateObject(pods, pod({ metadata: { name: "x", namespace: "Bad" } })))[0]!, /^metadata\.namespace: Invalid value: "Bad": a lowercase RFC 1123 label/);
});

test("labels and annotations follow Kubernetes' rules", () => {
  const p = pod({
    metadata: {
      name: "x",
      namespace: "default",
      labels: { "bad key": "ok", good: "bad value!", ["a".repeat(64)]: "v" },
      annotations: { big: "x".repeat(256 * 1024) },
    },
  });
  const got = fields(validateObject(pods, p));
  assert.equal(got.length, 4);
  assert.match(got[0]!, /^metadata\.labels: Invalid value: "bad key": name part must consist of alphanumeric characters/);
  assert.match(got[1]!, /^metadata\.labels: Invalid value: "bad value!": a valid label must be an empty string/);
  assert.match(got[2]!, /^metadata\.labels: Invalid value: "a{64}": name part must be no more than 63 characters$/);
  assert.equal(got[3], "metadata.annotations: Too long: must have at most 262144 bytes");
});

test("containers: names, uniqueness, images, ports, env, resources", () => {
  const p = pod({
    spec: {
      containers: [
        {
          name: "App",
          image: "",
          ports: [
            { containerPort: 70000, name: "http" },
            { containerPort: 81, name: "http" },
            { containerPort: 0 },
          ],
          env: [{ name: "BAD=NAME" }, { name: "1_GOOD since Kubernetes 1.30" }, { name: "" }],
          resources: { requests: { cpu: "2", memory: "abc" }, limits: { cpu: "1", gpu: "1" } },
        },
        { name: "b", image: "x", resources: { requests: { cpu: "2" }, limits: { cpu: "1", memory: "-1" } } },
        { name: "b", image: " x" },
      ],
      terminationGracePeriodSeconds: -1,
      nodeSelector: { "disk type": "ssd" },
    },
  });
  const got = fields(validateObject(pods, p));
  const has = (re: RegExp) => assert.ok(got.some((g) => re.test(g)), `expected ${re} in\n${got.join("\n")}`);
  has(/^spec\.containers\[0\]\.name: Invalid value: "App": a lowercase RFC 1123 label/);
  has(/^spec\.containers\[0\]\.image: Required value$/);
  has(/^spec\.containers\[0\]\.ports\[0\]\.containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive$/);
  has(/^spec\.containers\[0\]\.ports\[1\]\.name: Duplicate value: "http"$/);
  has(/^spec\.containers\[0\]\.ports\[2\]\.containerPort: Required value$/);
  has(/^spec\.containers\[0\]\.env\[0\]\.name: Invalid value: "BAD=NAME": a valid environment variable name must consist only of printable ASCII characters other than '='$/);
  assert.ok(!got.some((g) => g.startsWith("spec.containers[0].env[1]")), "any printable name but '=' is allowed");
  has(/^spec\.containers\[0\]\.env\[2\]\.name: Required value$/);
  has(/^spec\.containers\[0\]\.resources\.limits\[gpu\]: Invalid value: "gpu": must be a standard resource for containers$/);
  has(/^spec\.containers\[0\]\.resources\.requests\[memory\]: Invalid value: "abc": quantities must match the regular expression/);
  has(/^spec\.containers\[1\]\.resources\.limits\[memory\]: Invalid value: "-1": must be greater than or equal to 0$/);
  has(/^spec\.containers\[2\]\.name: Duplicate value: "b"$/);
  has(/^spec\.containers\[2\]\.image: Invalid value: " x": must not have leading or trailing whitespace$/);
  has(/^spec\.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0$/);
  has(/^spec\.nodeSelector: Invalid value: "disk type": name part must consist/);
  assert.ok(!got.some((g) => g.startsWith("spec.containers[0].resources.requests:")), "no comparison when quantities are invalid");

  const over = pod({ spec: { containers: [{ name: "a", image: "x", resources: { requests: { cpu: "2" }, limits: { cpu: "1" } } }] } });
  assert.deepEqual(fields(validateObject(pods, over)), [
    'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
  ]);
  assert.deepEqual(fields(validateObject(pods, pod({ spec: { containers: [] } }))), ["spec.containers: Required value"]);
  const badPortName = pod({ spec: { containers: [{ name: "a", image: "x", ports: [{ containerPort: 80, name: "HTTP" }] }] } });
  assert.match(fields(validateObject(pods, badPortName))[0]!, /ports\[0\]\.name: Invalid value: "HTTP": must contain only alpha-numeric characters/);
  const dns = pod({ spec: { containers: [{ name: "a", image: "x" }], dnsPolicy: "Weird" } });
  assert.deepEqual(fields(validateObject(pods, dns)), [
    'spec.dnsPolicy: Unsupported value: "Weird": supported values: "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"',
  ]);
});

test("updates: identity is immutable, pod spec only changes images", () => {
  const old = pod({ metadata: { name: "web", namespace: "default", uid: "u1" } }) as unknown as Pod;
  applyDefaults(pods, old);

  const renamed = structuredClone(old);
  renamed.metadata.name = "web2";
  renamed.metadata.uid = "u2";
  assert.deepEqual(fields(validateObject(pods, renamed, old)), [
    'metadata.name: Invalid value: "web2": field is immutable',
    'metadata.uid: Invalid value: "u2": field is immutable',
  ]);

  const newImage = structuredClone(old);
  newImage.spec.containers[0]!.image = "bosun.local/busybox:2";
  newImage.metadata.labels = { changed: "yes" };
  assert.deepEqual(validateObject(pods, newImage, old), []);

  const newPolicy = structuredClone(old);
  newPolicy.spec.restartPolicy = "Never";
  const causes = validateObject(pods, newPolicy, old);
  assert.equal(causes.length, 1);
  assert.equal(causes[0]!.reason, "FieldValueForbidden");
  assert.equal(causes[0]!.field, "spec");
  assert.match(causes[0]!.message!, /^Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`/);
  assert.match(causes[0]!.message!, /changed: spec\.restartPolicy$/);

  const added = structuredClone(old);
  added.spec.containers.push({ name: "b", image: "x" });
  assert.deepEqual(fields(validateObject(pods, added, old)), ["spec.containers: Forbidden: pod updates may not add or remove containers"]);
});

test("nodes and events", () => {
  const node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "node-1" },
    spec: { taints: [{ key: "bad key", effect: "NoSchedule" }] },
    status: { capacity: { cpu: "2", memory: "lots" } },
  };
  const got = fields(validateObject(nodes, node));
  assert.equal(got.length, 2);
  assert.match(got[0]!, /^spec\.taints\[0\]\.key: Invalid value: "bad key"/);
  assert.match(got[1]!, /^status\.capacity\[memory\]: Invalid value: "lots": quantities must match/);

  const ev = {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "web.1", namespace: "default" },
    involvedObject: { kind: "Pod", name: "web", namespace: "other" },
  };
  assert.deepEqual(fields(validateObject(events, ev)), [
    'involvedObject.namespace: Invalid value: "other": does not match event.namespace',
  ]);
  ev.involvedObject.namespace = "default";
  assert.deepEqual(validateObject(events, ev), []);
});

test("a number too big for its field's Go type is refused by field, before anything could act on it", () => {
  const deployments = resourceByName("deployments")!;
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default" },
    spec: {
      replicas: 3_000_000_000,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", image: "bosun.local/busybox:1" }] } },
    },
  };
  assert.deepEqual(fields(validateStructure(deployments.schema, deployment)), [
    "spec.replicas: Invalid value: 3000000000: does not fit the field's type, a 32-bit integer (-2147483648 to 2147483647)",
  ]);
  deployment.spec.replicas = 2_147_483_647;
  assert.deepEqual(validateStructure(deployments.schema, deployment), [], "the largest int32 is one");
  const p = pod({ spec: { securityContext: { runAsUser: 2 ** 60 }, terminationGracePeriodSeconds: -(2 ** 60), containers: [{ name: "app", image: "bosun.local/busybox:1" }] } });
  assert.deepEqual(fields(validateStructure(pods.schema, p)).sort(), [
    "spec.securityContext.runAsUser: Invalid value: 1152921504606847000: does not fit the field's type, a 64-bit integer as far as it is exact (-9007199254740991 to 9007199254740991)",
    "spec.terminationGracePeriodSeconds: Invalid value: -1152921504606847000: does not fit the field's type, a 64-bit integer as far as it is exact (-9007199254740991 to 9007199254740991)",
  ]);
});
