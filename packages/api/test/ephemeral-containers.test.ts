// stdin, stdinOnce and tty on containers, and ephemeral containers: schema, defaults
// and validation as Kubernetes 1.33's (validateEphemeralContainers, ValidatePodCreate,
// ValidatePodTemplateSpec, ValidatePodEphemeralContainersUpdate).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  applyDefaults,
  mustResource,
  validateEphemeralContainers,
  validateEphemeralContainersUpdate,
  validateObject,
  type EphemeralContainer,
  type KubeObject,
  type PodSpec,
  type StatusCause,
} from "../src/index.js";

const pods = mustResource("pods");
const deployments = mustResource("deployments");

function fields(causes: StatusCause[]): string[] {
  return causes.map((c) => `${c.field}: ${c.message}`);
}

function spec(ephemeral: EphemeralContainer[]): PodSpec {
  return {
    containers: [{ name: "app", image: "x:1" }],
    initContainers: [{ name: "setup", image: "x:1" }],
    volumes: [{ name: "data", emptyDir: {} }],
    ephemeralContainers: ephemeral,
  };
}

test("stdin, stdinOnce and tty are container fields with no rules of their own, as in Kubernetes", () => {
  // Kubernetes accepts stdinOnce without stdin and tty without stdin; kubectl is what insists on -i with -t.
  for (const c of [{ stdin: true, stdinOnce: true, tty: true }, { stdinOnce: true }, { tty: true }]) {
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "app", image: "x:1", ...c }] } };
    applyDefaults(pods, pod as unknown as KubeObject);
    assert.deepEqual(fields(validateObject(pods, pod)), [], JSON.stringify(c));
  }
});

test("an ephemeral container takes a Container's fields but ports, probes, lifecycle and resources", () => {
  const ok: EphemeralContainer = {
    name: "debugger",
    image: "busybox:1",
    command: ["sh"],
    stdin: true,
    tty: true,
    env: [{ name: "A", value: "b" }],
    volumeMounts: [{ name: "data", mountPath: "/data" }],
    securityContext: { capabilities: { add: ["SYS_PTRACE"] } },
    targetContainerName: "app",
    // kubectl sends an empty resources struct: it asks for nothing.
    resources: {},
  };
  assert.deepEqual(fields(validateEphemeralContainers(spec([ok]), "spec", new Set(["data"]))), []);

  const bad: EphemeralContainer = {
    name: "bad",
    image: "busybox:1",
    ports: [{ containerPort: 80 }],
    livenessProbe: { exec: { command: ["true"] } },
    readinessProbe: { exec: { command: ["true"] } },
    startupProbe: { exec: { command: ["true"] } },
    lifecycle: { preStop: { exec: { command: ["true"] } } },
    resources: { limits: { cpu: "1" } },
    restartPolicy: "Always",
    volumeMounts: [{ name: "data", mountPath: "/data", subPath: "x" }],
  };
  const forbidden = (f: string) => `spec.ephemeralContainers[0].${f}: Forbidden: cannot be set for an Ephemeral Container`;
  assert.deepEqual(fields(validateEphemeralContainers(spec([bad]), "spec", new Set(["data"]))), [
    forbidden("ports"),
    forbidden("resources"),
    forbidden("livenessProbe"),
    forbidden("readinessProbe"),
    forbidden("startupProbe"),
    forbidden("lifecycle"),
    forbidden("restartPolicy"),
    forbidden("volumeMounts[0].subPath"),
  ]);
});

test("names are unique across all the pod's containers; the target is an app or init container", () => {
  const causes = fields(
    validateEphemeralContainers(
      spec([
        { name: "app", image: "x:1" },
        { name: "setup", image: "x:1" },
        { name: "one", image: "x:1", targetContainerName: "setup" },
        { name: "one", image: "x:1", targetContainerName: "nope" },
        { name: "two", image: "x:1", targetContainerName: "one" },
        { name: "Bad_Name", image: "" },
      ]),
      "spec",
      new Set(),
    ),
  );
  assert.ok(causes.includes('spec.ephemeralContainers[0].name: Duplicate value: "app"'), causes.join("\n"));
  assert.ok(causes.includes('spec.ephemeralContainers[1].name: Duplicate value: "setup"'), causes.join("\n"));
  assert.ok(causes.includes('spec.ephemeralContainers[3].name: Duplicate value: "one"'), causes.join("\n"));
  assert.ok(causes.includes('spec.ephemeralContainers[3].targetContainerName: Not found: "nope"'), causes.join("\n"));
  // An ephemeral container is no target.
  assert.ok(causes.includes('spec.ephemeralContainers[4].targetContainerName: Not found: "one"'), causes.join("\n"));
  assert.ok(causes.some((c) => c.startsWith("spec.ephemeralContainers[5].name: Invalid value")), causes.join("\n"));
  assert.ok(causes.includes("spec.ephemeralContainers[5].image: Required value"), causes.join("\n"));
  assert.ok(!causes.some((c) => c.startsWith("spec.ephemeralContainers[2]")), causes.join("\n"));
});

test("ephemeral containers are refused on create and in templates, and defaulted as containers", () => {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default" },
    spec: { containers: [{ name: "app", image: "x:1" }], ephemeralContainers: [{ name: "dbg", image: "x:latest" }] as EphemeralContainer[] },
  };
  applyDefaults(pods, pod as unknown as KubeObject);
  assert.equal(pod.spec.ephemeralContainers[0]?.imagePullPolicy, "Always");
  assert.equal(pod.spec.ephemeralContainers[0]?.terminationMessagePolicy, "File");
  assert.deepEqual(fields(validateObject(pods, pod)), ["spec.ephemeralContainers: Forbidden: cannot be set on create"]);

  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "d", namespace: "default" },
    spec: {
      selector: { matchLabels: { a: "b" } },
      template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "app", image: "x:1" }], ephemeralContainers: [{ name: "dbg", image: "x:1" }] } },
    },
  };
  applyDefaults(deployments, deployment as unknown as KubeObject);
  assert.deepEqual(fields(validateObject(deployments, deployment)), ["spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template"]);
});

test("an update of the subresource may add ephemeral containers, never change or remove one", () => {
  const one: EphemeralContainer = { name: "one", image: "x:1" };
  const two: EphemeralContainer = { name: "two", image: "x:1" };
  assert.deepEqual(validateEphemeralContainersUpdate(spec([one, two]), spec([one])), []);
  // Order is not kept by patches, so each is matched by name.
  assert.deepEqual(validateEphemeralContainersUpdate(spec([two, one]), spec([one])), []);
  assert.deepEqual(fields(validateEphemeralContainersUpdate(spec([two]), spec([one]))), ['spec.ephemeralContainers: Forbidden: existing ephemeral containers "one" may not be removed']);
  assert.deepEqual(fields(validateEphemeralContainersUpdate(spec([{ ...one, image: "x:2" }]), spec([one]))), [
    'spec.ephemeralContainers: Forbidden: existing ephemeral containers "one" may not be changed',
  ]);
});
