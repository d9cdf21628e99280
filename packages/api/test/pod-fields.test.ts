// The remaining PodSpec and Container fields of Kubernetes 1.33: enableServiceLinks
// and imagePullPolicy defaulted as Kubernetes defaults them, hostAliases and os
// validated as Kubernetes validates them, and each field Bosun does not serve
// refused by its path, saying why.
import assert from "node:assert/strict";
import { test } from "node:test";
import { applyDefaults, defaultPullPolicy, resourceByName, validateObject, type Pod, type PodSpec } from "../src/index.js";

const pods = resourceByName("pods")!;
const deployments = resourceByName("deployments")!;

function pod(spec: Partial<PodSpec> = {}): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "a", image: "busybox:1" }], ...spec } };
}

function problems(spec: Partial<PodSpec>): [string | undefined, string][] {
  return validateObject(pods, pod(spec)).map((c) => [c.field, c.message ?? ""]);
}

test("enableServiceLinks defaults to true in pods and templates; false is kept", () => {
  const p = pod();
  applyDefaults(pods, p);
  assert.equal(p.spec.enableServiceLinks, true);
  const off = pod({ enableServiceLinks: false });
  applyDefaults(pods, off);
  assert.equal(off.spec.enableServiceLinks, false);
  const d = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "d", namespace: "default" },
    spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "a", image: "busybox" }] } } },
  };
  applyDefaults(deployments, d as never);
  assert.equal((d.spec.template.spec as PodSpec).enableServiceLinks, true);
});

test("imagePullPolicy defaults by tag: latest or none Always, any other tag or a digest IfNotPresent", () => {
  assert.equal(defaultPullPolicy("busybox"), "Always");
  assert.equal(defaultPullPolicy("busybox:latest"), "Always");
  assert.equal(defaultPullPolicy("registry.local:5000/team/app"), "Always");
  assert.equal(defaultPullPolicy("bosun.local/busybox:1"), "IfNotPresent");
  assert.equal(defaultPullPolicy("registry.local:5000/team/app:2.1"), "IfNotPresent");
  assert.equal(defaultPullPolicy(`busybox@sha256:${"a".repeat(64)}`), "IfNotPresent");
  assert.equal(defaultPullPolicy(`busybox:latest@sha256:${"a".repeat(64)}`), "IfNotPresent");
});

test("hostAliases: an IP address and DNS subdomains, as Kubernetes' ValidateHostAliases", () => {
  assert.deepEqual(problems({ hostAliases: [{ ip: "10.1.2.3", hostnames: ["foo.remote", "bar"] }, { ip: "2001:db8::1", hostnames: ["v6.local"] }] }), []);
  assert.deepEqual(problems({ hostAliases: [{ ip: "10.1.2", hostnames: ["Foo_bar"] }] }), [
    ["spec.hostAliases[0].ip", 'Invalid value: "10.1.2": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    [
      "spec.hostAliases[0].hostnames[0]",
      `Invalid value: "Foo_bar": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ],
  ]);
});

test("os linux and hostUsers true are accepted; windows, hostUsers false and an unknown os are refused by name", () => {
  assert.deepEqual(problems({ os: { name: "linux" }, hostUsers: true, setHostnameAsFQDN: true, enableServiceLinks: false }), []);
  assert.deepEqual(problems({ os: { name: "windows" } }), [["spec.os.name", "Forbidden: Bosun's nodes run Linux containers only: leave spec.os out or set name linux"]]);
  assert.deepEqual(problems({ os: { name: "" } }), [["spec.os.name", "Required value: cannot be empty"]]);
  assert.deepEqual(problems({ os: { name: "plan9" } }), [["spec.os.name", 'Unsupported value: "plan9": supported values: "linux", "windows"']]);
  assert.deepEqual(problems({ hostUsers: false }), [["spec.hostUsers", "Forbidden: Bosun does not run pods in a user namespace of their own: leave it out or set it true"]]);
});

test("every field Bosun does not serve is refused by its path, with why, in pods and in templates", () => {
  const refused: [Partial<PodSpec>, string, RegExp][] = [
    [{ runtimeClassName: "gvisor" }, "spec.runtimeClassName", /no RuntimeClasses/],
    [{ overhead: { cpu: "250m" } }, "spec.overhead", /no RuntimeClasses/],
    [{ readinessGates: [{ conditionType: "example.com/ready" }] }, "spec.readinessGates", /readiness gates/],
    [{ resourceClaims: [{ name: "gpu", resourceClaimName: "gpu" }] }, "spec.resourceClaims", /dynamic resource allocation/],
    [{ resources: { limits: { cpu: "1" } } }, "spec.resources", /pod-level resources/],
    [{ containers: [{ name: "a", image: "busybox:1", volumeDevices: [{ name: "d", devicePath: "/dev/xvda" }] }] }, "spec.containers[0].volumeDevices", /directories only/],
    [{ containers: [{ name: "a", image: "busybox:1", resizePolicy: [{ resourceName: "cpu", restartPolicy: "NotRequired" }] }] }, "spec.containers[0].resizePolicy", /in place/],
    [{ containers: [{ name: "a", image: "busybox:1", resources: { claims: [{ name: "gpu" }] } }] }, "spec.containers[0].resources.claims", /dynamic resource allocation/],
    [{ initContainers: [{ name: "i", image: "busybox:1", volumeDevices: [{ name: "d", devicePath: "/dev/xvda" }] }] }, "spec.initContainers[0].volumeDevices", /directories only/],
  ];
  for (const [spec, field, why] of refused) {
    const found = problems(spec);
    assert.equal(found.length, 1, `${field}: ${JSON.stringify(found)}`);
    assert.equal(found[0]![0], field);
    assert.match(found[0]![1], /^Forbidden: /);
    assert.match(found[0]![1], why);
  }
  const template = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "d", namespace: "default" },
    spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { runtimeClassName: "kata", containers: [{ name: "a", image: "busybox:1" }] } } },
  };
  assert.deepEqual(
    validateObject(deployments, template as never).map((c) => c.field),
    ["spec.template.spec.runtimeClassName"],
  );
});
