// Server-side apply and field management without a server: field sets and their
// FieldsV1 encoding, the merge of applied configurations, ownership, pruning and
// conflicts, and the Update entries other writes record.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mustResource, type KubeObject, type ManagedFieldsEntry } from "@bosun/api";
import { FieldSet, pathString } from "../src/apply/field-set.js";
import { managedFieldsAfterWrite } from "../src/apply/managed-fields.js";
import { lastAppliedAnnotation, serverSideApply } from "../src/apply/server-side-apply.js";
import { toFieldSet } from "../src/apply/typed-value.js";
import { StatusError } from "../src/errors.js";

const deployments = mustResource("deployments");
const pods = mustResource("pods");

type Obj = Record<string, unknown>;

function deployment(spec: Obj, metadata: Obj = {}): Obj {
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default", ...metadata }, spec };
}

const template = (containers: Obj[]) => ({ metadata: { labels: { app: "web" } }, spec: { containers } });

function apply(live: KubeObject | undefined, config: Obj, manager: string, force = false): KubeObject {
  return serverSideApply({ info: deployments, live, config, manager, force });
}

function entry(object: KubeObject, manager: string): ManagedFieldsEntry | undefined {
  return object.metadata.managedFields?.find((e) => e.manager === manager);
}

function conflictOf(fn: () => unknown): StatusError {
  let caught: StatusError | undefined;
  assert.throws(fn, (err: unknown) => {
    caught = err as StatusError;
    return err instanceof StatusError && err.status.code === 409;
  });
  return caught!;
}

describe("field sets", () => {
  test("FieldsV1 round-trips, with '.' where a member has children", () => {
    const json = {
      "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
      "f:spec": { "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:name": {} } }, "f:replicas": {} },
    };
    const set = FieldSet.fromFieldsV1(json);
    assert.deepEqual(set.toFieldsV1(), json);
    assert.ok(set.has(["f:spec", "f:replicas"]));
    assert.ok(set.has(["f:metadata", "f:labels"]));
    assert.ok(!set.has(["f:metadata"]));
    assert.deepEqual(set.members().map(pathString), [
      ".metadata.labels",
      ".metadata.labels.app",
      '.spec.containers[name="web"]',
      '.spec.containers[name="web"].image',
      '.spec.containers[name="web"].name',
      ".spec.replicas",
    ]);
  });

  test("malformed FieldsV1 is refused with the place it is wrong", () => {
    assert.throws(() => FieldSet.fromFieldsV1({ "x:spec": {} }), /"x:spec" is not a valid path element/);
    assert.throws(() => FieldSet.fromFieldsV1({ "f:spec": { "k:{bad": {} } }), /fieldsV1\.f:spec: "k:\{bad" is not a valid path element/);
    assert.throws(() => FieldSet.fromFieldsV1({ "f:spec": 1 }), /fieldsV1\.f:spec must be an object/);
  });

  test("union, intersection and difference work member by member", () => {
    const a = new FieldSet().insert(["f:a"]).insert(["f:b", "f:c"]);
    const b = new FieldSet().insert(["f:b", "f:c"]).insert(["f:d"]);
    assert.deepEqual(a.union(b).members().map(pathString), [".a", ".b.c", ".d"]);
    assert.deepEqual(a.intersection(b).members().map(pathString), [".b.c"]);
    assert.deepEqual(a.difference(b).members().map(pathString), [".a"]);
    assert.ok(a.difference(a).isEmpty());
  });

  test("a configuration's fields: scalars, items of keyed lists and sets, atomic values, empty objects", () => {
    const config = deployment({
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      strategy: {},
      template: template([{ name: "web", image: "x", ports: [{ containerPort: 80 }], args: ["a", "b"] }]),
    }, { finalizers: ["example.com/f"] });
    assert.deepEqual(toFieldSet(config, { schema: deployments.schema }, true).toFieldsV1(), {
      "f:apiVersion": {},
      "f:kind": {},
      "f:metadata": { "f:finalizers": { 'v:"example.com/f"': {} }, "f:name": {}, "f:namespace": {} },
      "f:spec": {
        "f:replicas": {},
        "f:selector": {},
        "f:strategy": {},
        "f:template": {
          "f:metadata": { "f:labels": { "f:app": {} } },
          "f:spec": {
            "f:containers": {
              'k:{"name":"web"}': {
                ".": {},
                "f:args": {},
                "f:image": {},
                "f:name": {},
                "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} } },
              },
            },
          },
        },
      },
    });
  });

  test("a duplicated or unkeyed list item in a configuration is a 400", () => {
    const dup = deployment({ template: template([{ name: "a", image: "x" }, { name: "a", image: "y" }]) });
    assert.throws(
      () => toFieldSet(dup, { schema: deployments.schema }, true),
      (err: unknown) => err instanceof StatusError && err.status.code === 400 && /spec\.template\.spec\.containers: duplicate entries for key \[name="a"\]/.test(err.message),
    );
    const unkeyed = deployment({ template: template([{ image: "x" }]) });
    assert.throws(() => toFieldSet(unkeyed, { schema: deployments.schema }, true), /omits key field "name"/);
  });
});

describe("server-side apply", () => {
  const base = deployment({ replicas: 2, selector: { matchLabels: { app: "web" } }, template: template([{ name: "web", image: "x" }]) });

  test("applying to nothing creates what was applied, owned by the applier", () => {
    const created = apply(undefined, base, "alice");
    assert.equal((created as unknown as { spec: { replicas: number } }).spec.replicas, 2);
    const mine = entry(created, "alice")!;
    assert.equal(mine.operation, "Apply");
    assert.equal(mine.apiVersion, "apps/v1");
    assert.equal(mine.fieldsType, "FieldsV1");
    assert.match(mine.time!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(mine.fieldsV1, {
      "f:spec": {
        "f:replicas": {},
        "f:selector": {},
        "f:template": {
          "f:metadata": { "f:labels": { "f:app": {} } },
          "f:spec": { "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:name": {} } } },
        },
      },
    });
  });

  test("another manager changing an owned field conflicts; the same value is shared; force takes it over", () => {
    const live = apply(undefined, base, "alice");
    const more = deployment({ replicas: 3 });
    const err = conflictOf(() => apply(live, more, "bob"));
    assert.equal(err.status.reason, "Conflict");
    assert.equal(err.status.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.replicas');
    assert.deepEqual(err.status.details?.causes, [{ reason: "FieldManagerConflict", message: 'conflict with "alice"', field: ".spec.replicas" }]);

    const shared = apply(live, deployment({ replicas: 2 }), "bob");
    assert.deepEqual(entry(shared, "bob")!.fieldsV1, { "f:spec": { "f:replicas": {} } });
    assert.ok(JSON.stringify(entry(shared, "alice")!.fieldsV1).includes("f:replicas"));

    const forced = apply(live, more, "bob", true);
    assert.equal((forced as unknown as { spec: { replicas: number } }).spec.replicas, 3);
    assert.ok(!JSON.stringify(entry(forced, "alice")!.fieldsV1).includes("f:replicas"));
  });

  test("several conflicts are listed by manager", () => {
    let live = apply(undefined, base, "alice");
    live = apply(live, deployment({ minReadySeconds: 5 }), "carol");
    const err = conflictOf(() => apply(live, deployment({ replicas: 9, minReadySeconds: 1, template: template([{ name: "web", image: "y" }]) }), "bob"));
    assert.equal(
      err.status.message,
      'Apply failed with 3 conflicts: conflicts with "alice":\n- .spec.replicas\n- .spec.template.spec.containers[name="web"].image\nconflicts with "carol":\n- .spec.minReadySeconds',
    );
  });

  test("fields the applier stops applying go, unless someone else owns them", () => {
    let live = apply(undefined, deployment({ ...base.spec as Obj }, { labels: { tier: "web", team: "a" } }), "alice");
    live = apply(live, deployment({}, { labels: { team: "a" } }), "bob");
    live = apply(live, base, "alice");
    assert.deepEqual(live.metadata.labels, { team: "a" }, "tier went; team stays, bob owns it");
    assert.equal((live as unknown as { spec: { replicas: number } }).spec.replicas, 2);
  });

  test("an item of a keyed list the applier alone applied goes with everything in it", () => {
    const two = deployment({ ...(base.spec as Obj), template: template([{ name: "web", image: "x" }, { name: "side", image: "s", args: ["1"] }]) });
    const live = apply(apply(undefined, two, "alice"), base, "alice") as unknown as { spec: { template: { spec: { containers: Obj[] } } } };
    assert.deepEqual(live.spec.template.spec.containers, [{ name: "web", image: "x" }]);
  });

  test("keyed lists merge in the configuration's order; a port's protocol defaults to TCP in its key", () => {
    const live = apply(
      undefined,
      deployment({ template: template([{ name: "a", image: "1", ports: [{ containerPort: 80, protocol: "TCP" }] }, { name: "b", image: "1" }, { name: "c", image: "1" }]) }),
      "m",
    );
    const merged = apply(live, deployment({ template: template([{ name: "c" }, { name: "a", ports: [{ containerPort: 80, name: "http" }] }]) }), "n");
    const containers = (merged as unknown as { spec: { template: { spec: { containers: Obj[] } } } }).spec.template.spec.containers;
    assert.deepEqual(containers.map((c) => c.name), ["b", "c", "a"]);
    assert.deepEqual(containers[2]!.ports, [{ containerPort: 80, protocol: "TCP", name: "http" }]);
  });

  test("atomic values are replaced whole: the selector, a container's args", () => {
    const live = apply(undefined, deployment({ selector: { matchLabels: { a: "1", b: "2" } }, template: template([{ name: "w", image: "x", args: ["1", "2"] }]) }), "m");
    const out = apply(live, deployment({ selector: { matchLabels: { a: "1" } }, template: template([{ name: "w", image: "x", args: ["3"] }]) }), "m") as unknown as {
      spec: { selector: Obj; template: { spec: { containers: Obj[] } } };
    };
    assert.deepEqual(out.spec.selector, { matchLabels: { a: "1" } });
    assert.deepEqual(out.spec.template.spec.containers[0]!.args, ["3"]);
  });

  test("a pod's nodeSelector is an atomic map: owned and replaced whole", () => {
    const withSelector = (nodeSelector: Obj) => ({ ...template([{ name: "w", image: "x" }]), spec: { containers: [{ name: "w", image: "x" }], nodeSelector } });
    const live = apply(undefined, deployment({ template: withSelector({ a: "1", b: "2" }) }), "m");
    assert.match(JSON.stringify(entry(live, "m")!.fieldsV1), /"f:nodeSelector":\{\}/, "owned as one field, not key by key");
    const out = apply(live, deployment({ template: withSelector({ a: "1" }) }), "m") as unknown as { spec: { template: { spec: Obj } } };
    assert.deepEqual(out.spec.template.spec.nodeSelector, { a: "1" });
  });

  test("an object without managedFields is first owned by before-first-apply", () => {
    const live = structuredClone(base) as unknown as KubeObject;
    const err = conflictOf(() => apply(live, deployment({ replicas: 5 }), "m"));
    assert.match(err.status.message!, /conflict with "before-first-apply" using apps\/v1: \.spec\.replicas/);
  });

  test("status is not owned through the main resource", () => {
    const created = apply(undefined, { ...base, status: { replicas: 1 } }, "m");
    assert.ok(!JSON.stringify(entry(created, "m")!.fieldsV1).includes("f:status"));
  });

  test("kubectl's apply may take fields its last-applied annotation set, and keeps the annotation current", () => {
    const lastApplied = JSON.stringify(base);
    const live = structuredClone(base) as unknown as KubeObject;
    live.metadata.annotations = { [lastAppliedAnnotation]: lastApplied };
    live.metadata.managedFields = managedFieldsAfterWrite(deployments, undefined, live, { manager: "kubectl-client-side-apply" });
    const changed = deployment({ ...(base.spec as Obj), replicas: 4 });
    const out = apply(live, changed, "kubectl");
    assert.equal((out as unknown as { spec: { replicas: number } }).spec.replicas, 4);
    assert.deepEqual(JSON.parse(out.metadata.annotations![lastAppliedAnnotation]!).spec.replicas, 4);
    // Another manager has no such claim.
    assert.match(conflictOf(() => apply(live, changed, "other")).status.message!, /"kubectl-client-side-apply" using apps\/v1: \.spec\.replicas/);
  });
});

describe("managedFields of ordinary writes", () => {
  const pod = (labels: Record<string, string>, extra: Obj = {}) =>
    ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", labels, ...extra }, spec: { containers: [{ name: "c", image: "x" }] }, status: { phase: "Pending" } }) as unknown as KubeObject;

  test("a create records an Update entry for what it set, never identity metadata or status", () => {
    const entries = managedFieldsAfterWrite(pods, undefined, pod({ a: "1" }, { uid: "u", resourceVersion: "5" }), { manager: "kubectl-create" })!;
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.manager, "kubectl-create");
    assert.equal(entries[0]!.operation, "Update");
    const fields = JSON.stringify(entries[0]!.fieldsV1);
    assert.match(fields, /"f:labels":\{".":\{\},"f:a":\{\}\}/);
    assert.match(fields, /"k:\{\\"name\\":\\"c\\"\}"/);
    const metadata = JSON.stringify((entries[0]!.fieldsV1 as Record<string, unknown>)["f:metadata"]);
    for (const hidden of ["f:uid", "f:resourceVersion", "f:name", "f:namespace"]) assert.ok(!metadata.includes(`"${hidden}"`), hidden);
    for (const hidden of ["f:status", "f:apiVersion", "f:kind"]) assert.ok(!fields.includes(`"${hidden}"`), hidden);
  });

  test("an update takes changed fields from their owner; a no-op update leaves the entries as they were", () => {
    const created = pod({ a: "1" });
    created.metadata.managedFields = apply2(created);
    const changed = pod({ a: "2", b: "1" });
    changed.metadata.managedFields = created.metadata.managedFields;
    const after = managedFieldsAfterWrite(pods, created, changed, { manager: "labeler" })!;
    const byManager = Object.fromEntries(after.map((e) => [e.manager, JSON.stringify(e.fieldsV1)]));
    assert.match(byManager.labeler!, /"f:a"/);
    assert.match(byManager.labeler!, /"f:b"/);
    assert.doesNotMatch(byManager.applier!, /"f:a"/);
    const same = pod({ a: "1" });
    same.metadata.managedFields = created.metadata.managedFields;
    assert.equal(managedFieldsAfterWrite(pods, created, same, { manager: "x" }), created.metadata.managedFields);
  });

  test("managedFields: [{}] clears them; a subresource's own entry owns only status", () => {
    const created = pod({ a: "1" });
    created.metadata.managedFields = apply2(created);
    const reset = pod({ a: "1" }, { managedFields: [{}] });
    assert.equal(managedFieldsAfterWrite(pods, created, reset, { manager: "x" }), undefined);
    const status = pod({ a: "1" });
    status.metadata.managedFields = created.metadata.managedFields;
    (status as unknown as { status: Obj }).status = { phase: "Running" };
    const after = managedFieldsAfterWrite(pods, created, status, { manager: "agent", subresource: "status" })!;
    const agent = after.find((e) => e.manager === "agent")!;
    assert.equal(agent.subresource, "status");
    assert.deepEqual(agent.fieldsV1, { "f:status": { "f:phase": {} } });
  });

  test("more than ten updaters: the oldest merge into ancient-changes", () => {
    let live = pod({});
    live.metadata.managedFields = apply2(live);
    for (let i = 0; i < 12; i++) {
      const next = pod({ [`l${i}`]: "1", ...live.metadata.labels });
      next.metadata.managedFields = live.metadata.managedFields;
      next.metadata.managedFields = managedFieldsAfterWrite(pods, live, next, { manager: `writer-${i}` });
      live = next;
    }
    const updaters = live.metadata.managedFields!.filter((e) => e.operation === "Update");
    assert.equal(updaters.length, 10);
    assert.ok(updaters.some((e) => e.manager === "ancient-changes"));
  });
});

/** Entries of an object applied by "applier". */
function apply2(object: KubeObject): ManagedFieldsEntry[] {
  const config = structuredClone(object) as unknown as Obj;
  delete (config as { status?: unknown }).status;
  return serverSideApply({ info: pods, live: undefined, config, manager: "applier", force: false }).metadata.managedFields!;
}
