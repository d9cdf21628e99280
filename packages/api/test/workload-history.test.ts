// ReplicationController and ControllerRevision in @bosun/api: the RC's defaults
// (selector and labels from the template), its rules, the revision's rules, their
// printers, and the template patch a revision holds.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  applyDefaults,
  mustResource,
  printerFor,
  revisionData,
  templateOfRevision,
  validateObject,
  type ControllerRevision,
  type KubeObject,
  type PodTemplateSpec,
  type ReplicationController,
  type StatusCause,
} from "../src/index.js";

const rcs = mustResource("rc");
const revisions = mustResource("controllerrevisions");
const created = "2025-01-01T00:00:00Z";
const now = Date.parse(created) + 3_600_000;

function fields(causes: StatusCause[]): string[] {
  return causes.map((c) => `${c.field}: ${c.message}`);
}

const template: PodTemplateSpec = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "bosun.local/busybox:1" }] } };

function rc(spec: Partial<ReplicationController["spec"]> = {}): ReplicationController {
  return { apiVersion: "v1", kind: "ReplicationController", metadata: { name: "web", namespace: "default" }, spec: { template: structuredClone(template), ...spec } };
}

function check(obj: KubeObject, old?: KubeObject): string[] {
  applyDefaults(obj.kind === "ControllerRevision" ? revisions : rcs, obj);
  return fields(validateObject(obj.kind === "ControllerRevision" ? revisions : rcs, obj, old));
}

test("resources: rc is the short name of the core/v1 kind; ControllerRevision is apps/v1", () => {
  assert.deepEqual([rcs.group, rcs.version, rcs.resource, rcs.namespaced, rcs.subresources], ["", "v1", "replicationcontrollers", true, ["status", "scale"]]);
  assert.deepEqual([revisions.group, revisions.kind, revisions.namespaced], ["apps", "ControllerRevision", true]);
});

test("an RC without a selector or labels takes the template's; replicas default to 1", () => {
  const obj = rc();
  assert.deepEqual(check(obj), []);
  assert.deepEqual(obj.spec.selector, { app: "web" });
  assert.deepEqual(obj.metadata.labels, { app: "web" });
  assert.equal(obj.spec.replicas, 1);
  // A selector and labels of its own are kept.
  const own = rc({ selector: { app: "web" } });
  own.metadata.labels = { team: "shop" };
  assert.deepEqual(check(own), []);
  assert.deepEqual(own.metadata.labels, { team: "shop" });
});

test("an RC's rules: a selector matching the template, a template, Always, no activeDeadlineSeconds, no negatives", () => {
  assert.deepEqual(check(rc({ selector: { app: "other" } })), ["spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`"]);
  const bare: ReplicationController = { apiVersion: "v1", kind: "ReplicationController", metadata: { name: "web", namespace: "default" }, spec: {} };
  assert.deepEqual(check(bare), ["spec.selector: Required value", "spec.template: Required value"]);
  const never = rc();
  never.spec.template!.spec.restartPolicy = "Never";
  assert.deepEqual(check(never), ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']);
  const deadline = rc();
  deadline.spec.template!.spec.activeDeadlineSeconds = 10;
  assert.deepEqual(check(deadline), ["spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicationController is not Supported"]);
  assert.deepEqual(check(rc({ replicas: -1, minReadySeconds: -2 })), [
    "spec.minReadySeconds: Invalid value: -2: must be greater than or equal to 0",
    "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
  ]);
  // The template is validated as a pod.
  const noImage = rc();
  noImage.spec.template!.spec.containers[0]!.image = "";
  assert.ok(check(noImage).some((m) => m.startsWith("spec.template.spec.containers[0].image: Required value")), check(noImage).join("\n"));
});

function revision(data: unknown, number = 1): ControllerRevision {
  return { apiVersion: "apps/v1", kind: "ControllerRevision", metadata: { name: "web-abc", namespace: "default" }, data, revision: number };
}

test("a revision needs data, which never changes; its number may", () => {
  const data = revisionData(template);
  assert.deepEqual(check(revision(data)), []);
  assert.deepEqual(check(revision(undefined)), ["data: Required value: data is mandatory"]);
  assert.deepEqual(check(revision(data, -1)), ["revision: Invalid value: -1: must be greater than or equal to 0"]);
  assert.deepEqual(check(revision(data, 4), revision(data, 1)), []);
  const changed = revisionData({ ...template, spec: { containers: [{ name: "c", image: "bosun.local/busybox:2" }] } });
  assert.deepEqual(check(revision(changed), revision(data)).length, 1);
  assert.match(check(revision(changed), revision(data))[0]!, /^data: Invalid value: .*: field is immutable$/);
});

test("a revision's data is the patch that replaces the template, and gives the template back", () => {
  const data = revisionData(template);
  assert.deepEqual(data, { spec: { template: { ...template, $patch: "replace" } } });
  assert.deepEqual(templateOfRevision(revision(data)), template);
  assert.equal(templateOfRevision(revision({ spec: {} })), undefined);
  assert.equal(templateOfRevision(revision("text")), undefined);
});

test("printers: an RC as a ReplicaSet with a map selector; a revision with its controller and number", () => {
  const obj = rc({ replicas: 3, selector: { app: "web", tier: "front" } });
  obj.metadata.creationTimestamp = created;
  obj.status = { replicas: 2, readyReplicas: 1 };
  assert.deepEqual(printerFor("ReplicationController").cells(obj, now), ["web", 3, 2, 1, "60m", "c", "bosun.local/busybox:1", "app=web,tier=front"]);
  const cr = revision(revisionData(template), 2);
  cr.metadata.creationTimestamp = created;
  cr.metadata.ownerReferences = [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", uid: "u", controller: true }];
  assert.deepEqual(printerFor("ControllerRevision").cells(cr, now), ["web-abc", "daemonset.apps/agent", 2, "60m"]);
  cr.metadata.ownerReferences = [];
  assert.equal(printerFor("ControllerRevision").cells(cr, now)[1], "<none>");
});
