// The real kubectl 1.33 and 1.27 changing objects in a Bosun cluster: create,
// client-side apply (three-way merge through strategic merge patch), field
// validation, server dry run, diff, edit with a scripted EDITOR, patch in its three
// types, label, annotate, server-side apply with its conflicts, and delete with each
// cascade. Each row of the client table in docs/compatibility.md that this suite
// owns is checked at the end.
import assert from "node:assert/strict";
import { describe } from "node:test";
import { mustResource, type Deployment, type EnvVar, type Namespace, type Pod, type ReplicaSet } from "@bosun/api";
import { isNotFound } from "@bosun/client";
import {
  deploymentManifest,
  deployments,
  e2eTest,
  expectSuccess,
  idleScript,
  podManifest,
  pods,
  podsWithLabels,
  replicasets,
  rolloutStatus,
  shContainer,
  useCluster,
  waitForServingPods,
  type Cluster,
} from "../src/index.js";
import { Compatibility, runAll, works } from "../src/compatibility.js";
import { KUBECTL_VERSIONS, useKubectls } from "../src/kubectl.js";

const namespaces = mustResource("namespaces");

interface AppOptions {
  replicas: number;
  env: EnvVar[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A Deployment manifest as a user keeps it in a file: only what they declare. */
function appManifest(name: string, opts: AppOptions): Deployment {
  const d = deploymentManifest(name, { replicas: opts.replicas, container: shContainer("app", idleScript(name), { env: opts.env }) });
  d.metadata.labels = { app: name, ...opts.labels };
  if (opts.annotations) d.metadata.annotations = opts.annotations;
  return d;
}

async function getDeployment(cl: Cluster, name: string): Promise<Deployment> {
  return cl.client.get<Deployment>(deployments, name, "default");
}

async function gone(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return false;
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
}

function envOf(d: Deployment): Record<string, string | undefined> {
  return Object.fromEntries((d.spec.template.spec.containers[0]!.env ?? []).map((e) => [e.name, e.value]));
}

/** The container as the manifest declared it is still whole (a list replaced by a patch would lose it). */
function assertContainerWhole(d: Deployment, name: string): void {
  const c = d.spec.template.spec.containers;
  assert.equal(c.length, 1, `one container: ${JSON.stringify(c)}`);
  assert.equal(c[0]!.name, "app");
  assert.equal(c[0]!.image, "bosun.local/busybox:1");
  assert.deepEqual(c[0]!.command, ["sh", "-c", idleScript(name)]);
}

function json(value: unknown): string {
  return JSON.stringify(value);
}

describe("kubectl changes objects", () => {
  const c = useCluster({ agents: [{ name: "a" }] });
  const kubectl = useKubectls(c);
  const compat = new Compatibility("kubectl-apply");

  for (const v of KUBECTL_VERSIONS) {
    e2eTest(`kubectl ${v}: create -f makes objects once; create namespace and create deployment`, c, async (cl) => {
      const k = await kubectl(v);
      await runAll([
        () =>
          compat.kubectl("`create -f`", v, async () => {
            const name = `made-${k.suffix}`;
            const file = k.manifestFile(`${name}.json`, json(podManifest(name, [shContainer("app", idleScript(name))], { terminationGracePeriodSeconds: 5 })));
            assert.equal((await k.ok(["create", "-f", file])).trim(), `pod/${name} created`);
            const again = await k.expectExit(1, ["create", "-f", file]);
            assert.match(again.stderr, new RegExp(`AlreadyExists.*pods "${name}" already exists`), again.stderr);
            assert.match(await k.ok(["delete", "-f", file]), new RegExp(`pod "${name}" deleted`));
            assert.ok(await gone(() => cl.client.get(pods, name, "default")), "kubectl delete waits until the pod is gone");
          }),
        () =>
          compat.kubectl("`create namespace`, `create deployment`", v, async () => {
            // kubectl 1.32 and later send these as protobuf, up to 1.31 as JSON: both work.
            const ns = `created-${k.suffix}`;
            const dep = `created-${k.suffix}`;
            assert.equal((await k.ok(["create", "namespace", ns])).trim(), `namespace/${ns} created`);
            assert.equal((await cl.client.get<Namespace>(namespaces, ns)).metadata.name, ns);
            const d = await k.ok(["create", "deployment", dep, "--image=bosun.local/busybox:1", "--", "sh", "-c", idleScript(dep)]);
            assert.equal(d.trim(), `deployment.apps/${dep} created`);
            await waitForServingPods(cl, `app=${dep}`, 1);
            await k.ok(["delete", "deployment", dep]);
            await k.ok(["delete", "namespace", ns]);
            return works;
          }),
      ]);
    });

    e2eTest(`kubectl ${v}: apply -f creates, merges three ways, validates fields, dry-runs and diffs`, c, async (cl) => {
      const k = await kubectl(v);
      const name = `app-${k.suffix}`;
      const v1 = appManifest(name, { replicas: 1, env: [{ name: "A", value: "1" }], labels: { stage: "one" }, annotations: { "e2e.bosun.io/note": "first" } });
      const v2 = appManifest(name, { replicas: 2, env: [{ name: "A", value: "2" }, { name: "B", value: "b" }] });
      const file = (m: Deployment, tag: string): string => k.manifestFile(`${name}-${tag}.json`, json(m));
      await runAll([
        () =>
          compat.kubectl("`apply -f`", v, async () => {
            assert.equal((await k.ok(["apply", "-f", file(v1, "v1")])).trim(), `deployment.apps/${name} created`);
            const created = await getDeployment(cl, name);
            const lastApplied = JSON.parse(created.metadata.annotations?.["kubectl.kubernetes.io/last-applied-configuration"] ?? "{}") as Deployment;
            assert.equal(lastApplied.spec?.replicas, 1, "kubectl records what it applied");
            // Someone else's change, which the next apply must keep.
            await cl.client.patch(deployments, name, { metadata: { annotations: { "e2e.bosun.io/other": "keep" } } }, { namespace: "default" });

            assert.equal((await k.ok(["apply", "-f", file(v2, "v2")])).trim(), `deployment.apps/${name} configured`);
            const d = await getDeployment(cl, name);
            assert.equal(d.spec.replicas, 2);
            assert.equal(d.metadata.labels?.stage, undefined, "a label dropped from the manifest is removed");
            assert.equal(d.metadata.annotations?.["e2e.bosun.io/note"], undefined, "an annotation dropped from the manifest is removed");
            assert.equal(d.metadata.annotations?.["e2e.bosun.io/other"], "keep", "a field the manifest never had is kept");
            assert.deepEqual(envOf(d), { A: "2", B: "b" });
            assertContainerWhole(d, name);
            assert.equal((await k.ok(["apply", "-f", file(v2, "v2")])).trim(), `deployment.apps/${name} unchanged`);
            await waitForServingPods(cl, `app=${name}`, 2);
          }),
        () =>
          compat.kubectl("`apply` of an unknown field", v, async () => {
            const bad = { ...appManifest(`bad-${k.suffix}`, { replicas: 1, env: [] }) } as Deployment & { spec: { replicaz?: number } };
            bad.spec = { ...bad.spec, replicaz: 3 } as typeof bad.spec;
            const path = file(bad, "bad");
            const strict = await k.expectExit(1, ["apply", "-f", path]);
            assert.match(strict.stderr, /unknown field "spec\.replicaz"/, strict.stderr);
            assert.ok(await gone(() => getDeployment(cl, `bad-${k.suffix}`)), "nothing is created");
            // --validate=warn: created, with the server's warning printed by kubectl.
            const warn = expectSuccess(`${k.label} apply --validate=warn`, await k.run(["apply", "--validate=warn", "-f", path]));
            assert.match(warn.stderr, /Warning: unknown field "spec\.replicaz"/, warn.stderr);
            assert.equal((await getDeployment(cl, `bad-${k.suffix}`)).spec.replicas, 1);
            await k.ok(["delete", "-f", path]);
          }),
        () =>
          compat.kubectl("`apply --dry-run=server`", v, async () => {
            const before = await getDeployment(cl, name);
            const out = await k.ok(["apply", "--dry-run=server", "-f", file({ ...v2, spec: { ...v2.spec, replicas: 5 } }, "dry")]);
            assert.equal(out.trim(), `deployment.apps/${name} configured (server dry run)`);
            const after = await getDeployment(cl, name);
            assert.equal(after.spec.replicas, 2, "a dry run changes nothing");
            assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, "a dry run writes nothing");
            const podName = `dry-${k.suffix}`;
            const podFile = k.manifestFile(`${podName}.json`, json(podManifest(podName, [shContainer("app", idleScript(podName))])));
            assert.equal((await k.ok(["create", "--dry-run=server", "-f", podFile])).trim(), `pod/${podName} created (server dry run)`);
            assert.ok(await gone(() => cl.client.get(pods, podName, "default")), "the dry-run pod does not exist");
          }),
        () =>
          compat.kubectl("`diff`", v, async () => {
            const changed = await k.run(["diff", "-f", file({ ...v2, spec: { ...v2.spec, replicas: 3 } }, "v3")]);
            assert.equal(changed.code, 1, `kubectl diff exits 1 when there are differences: ${changed.stderr}`);
            assert.match(changed.stdout, /^-\s+replicas: 2$/m, changed.stdout);
            assert.match(changed.stdout, /^\+\s+replicas: 3$/m, changed.stdout);
            const same = await k.run(["diff", "-f", file(v2, "v2")]);
            assert.equal(same.code, 0, `kubectl diff exits 0 without differences:\n${same.stdout}${same.stderr}`);
            assert.equal(same.stdout, "");
            assert.equal((await getDeployment(cl, name)).spec.replicas, 2, "diff changes nothing");
          }),
      ]);
    });

    e2eTest(`kubectl ${v}: edit, patch (strategic, merge, json), label and annotate`, c, async (cl) => {
      const k = await kubectl(v);
      const name = `app-${k.suffix}`;
      await runAll([
        () =>
          compat.kubectl("`edit`", v, async () => {
            await cl.client.patch(deployments, name, { metadata: { annotations: { "e2e.bosun.io/edit": "before" } } }, { namespace: "default" });
            const editor = k.editorScript("edit-app", ["s|e2e.bosun.io/edit: before|e2e.bosun.io/edit: after|", 's|value: "2"|value: "20"|']);
            const out = await k.ok(["edit", `deployment/${name}`], { env: { EDITOR: editor } });
            assert.equal(out.trim(), `deployment.apps/${name} edited`);
            const d = await getDeployment(cl, name);
            assert.equal(d.metadata.annotations?.["e2e.bosun.io/edit"], "after");
            assert.deepEqual(envOf(d), { A: "20", B: "b" });
            assertContainerWhole(d, name);
            const unchanged = expectSuccess(
              `${k.label} edit (no change)`,
              await k.run(["edit", `deployment/${name}`], { env: { EDITOR: k.editorScript("no-change", ["s|no-such-text|x|"]) } }),
            );
            assert.match(unchanged.stderr, /Edit cancelled, no changes made/, unchanged.stderr);
          }),
        () =>
          compat.kubectl("`patch --type=strategic`", v, async () => {
            const containerPatch = (env: object[]): string => json({ spec: { template: { spec: { containers: [{ name: "app", env }] } } } });
            // kubectl's default patch type is strategic: lists merge by their keys (containers by name, env by name).
            assert.equal((await k.ok(["patch", "deployment", name, "-p", containerPatch([{ name: "C", value: "3" }])])).trim(), `deployment.apps/${name} patched`);
            let d = await getDeployment(cl, name);
            assert.deepEqual(envOf(d), { A: "20", B: "b", C: "3" });
            assertContainerWhole(d, name);
            await k.ok(["patch", "deployment", name, "--type=strategic", "-p", containerPatch([{ name: "B", $patch: "delete" }])]);
            d = await getDeployment(cl, name);
            assert.deepEqual(envOf(d), { A: "20", C: "3" });
            assertContainerWhole(d, name);
            // Finalizers are a list of strings merged as a set.
            await k.ok(["patch", "deployment", name, "--type=merge", "-p", json({ metadata: { finalizers: ["e2e.bosun.io/a"] } })]);
            await k.ok(["patch", "deployment", name, "-p", json({ metadata: { finalizers: ["e2e.bosun.io/b"] } })]);
            assert.deepEqual([...((await getDeployment(cl, name)).metadata.finalizers ?? [])].sort(), ["e2e.bosun.io/a", "e2e.bosun.io/b"]);
            await k.ok(["patch", "deployment", name, "-p", json({ metadata: { "$deleteFromPrimitiveList/finalizers": ["e2e.bosun.io/a", "e2e.bosun.io/b"] } })]);
            assert.deepEqual((await getDeployment(cl, name)).metadata.finalizers ?? [], []);
            // $retainKeys: switching the strategy drops rollingUpdate.
            await k.ok(["patch", "deployment", name, "-p", json({ spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } } })]);
            assert.deepEqual((await getDeployment(cl, name)).spec.strategy, { type: "Recreate" });
            await k.ok(["patch", "deployment", name, "--type=merge", "-p", json({ spec: { strategy: { type: "RollingUpdate" } } })]);
          }),
        () =>
          compat.kubectl("`patch --type=merge`", v, async () => {
            const out = await k.ok(["patch", "deployment", name, "--type=merge", "-p", json({ metadata: { labels: { patched: "merge" } }, spec: { replicas: 3 } })]);
            assert.equal(out.trim(), `deployment.apps/${name} patched`);
            let d = await getDeployment(cl, name);
            assert.equal(d.metadata.labels?.patched, "merge");
            assert.equal(d.spec.replicas, 3);
            await k.ok(["patch", "deployment", name, "--type=merge", "-p", json({ metadata: { labels: { patched: null } } })]);
            d = await getDeployment(cl, name);
            assert.equal(d.metadata.labels?.patched, undefined, "null removes a key");
            // kubectl says "no change" when the object it read equals the answer: let the scale-up's
            // status updates settle first, or one landing between the two makes it "patched".
            await rolloutStatus(cl, name);
            const noop = await k.ok(["patch", "deployment", name, "--type=merge", "-p", json({ spec: { replicas: 3 } })]);
            assert.equal(noop.trim(), `deployment.apps/${name} patched (no change)`);
          }),
        () =>
          compat.kubectl("`patch --type=json`", v, async () => {
            const ops = [
              { op: "test", path: "/spec/replicas", value: 3 },
              { op: "replace", path: "/spec/replicas", value: 2 },
              { op: "add", path: "/metadata/labels/json", value: "added" },
              { op: "copy", from: "/metadata/labels/json", path: "/metadata/labels/copied" },
              { op: "move", from: "/metadata/labels/copied", path: "/metadata/labels/moved" },
              { op: "add", path: "/spec/template/spec/containers/0/env/-", value: { name: "D", value: "4" } },
              { op: "remove", path: "/metadata/labels/json" },
            ];
            assert.equal((await k.ok(["patch", "deployment", name, "--type=json", "-p", json(ops)])).trim(), `deployment.apps/${name} patched`);
            const d = await getDeployment(cl, name);
            assert.equal(d.spec.replicas, 2);
            assert.equal(d.metadata.labels?.moved, "added");
            assert.equal(d.metadata.labels?.json, undefined);
            assert.equal(d.metadata.labels?.copied, undefined);
            assert.deepEqual(envOf(d), { A: "20", C: "3", D: "4" });
            const failed = await k.run(["patch", "deployment", name, "--type=json", "-p", json([{ op: "test", path: "/spec/replicas", value: 99 }, { op: "replace", path: "/spec/replicas", value: 9 }])]);
            assert.notEqual(failed.code, 0, `a failed test operation fails the patch: ${failed.stdout}`);
            assert.equal((await getDeployment(cl, name)).spec.replicas, 2, "nothing of a failed patch is applied");
          }),
        () =>
          compat.kubectl("`label`", v, async () => {
            assert.equal((await k.ok(["label", "deployment", name, "tier=backend"])).trim(), `deployment.apps/${name} labeled`);
            const clash = await k.expectExit(1, ["label", "deployment", name, "tier=db"]);
            assert.match(clash.stderr, /already has a value \(backend\), and --overwrite is false/, clash.stderr);
            await k.ok(["label", "deployment", name, "tier=db", "--overwrite"]);
            assert.equal((await getDeployment(cl, name)).metadata.labels?.tier, "db");
            assert.equal((await k.ok(["label", "deployment", name, "tier-"])).trim(), `deployment.apps/${name} unlabeled`);
            assert.equal((await getDeployment(cl, name)).metadata.labels?.tier, undefined);
            // After the patches' rollouts, so no pod vanishes between kubectl's list and its patch.
            await waitForServingPods(cl, `app=${name}`, 2);
            const podsOut = await k.ok(["label", "pods", "-l", `app=${name}`, `checked=${k.suffix}`]);
            const labelled = await podsWithLabels(cl, `app=${name},checked=${k.suffix}`);
            assert.ok(labelled.length >= 1, `pods labelled by selector: ${podsOut}`);
            for (const p of labelled) assert.match(podsOut, new RegExp(`pod/${p.metadata.name} labeled`), podsOut);
          }),
        () =>
          compat.kubectl("`annotate`", v, async () => {
            // kubectl 1.27 itself prints "annotate" where later versions print "annotated".
            assert.match((await k.ok(["annotate", "deployment", name, "e2e.bosun.io/reason=testing"])).trim(), new RegExp(`^deployment.apps/${name} annotated?$`));
            const clash = await k.expectExit(1, ["annotate", "deployment", name, "e2e.bosun.io/reason=again"]);
            assert.match(clash.stderr, /already has a value \(testing\)/, clash.stderr);
            assert.match(clash.stderr, /--overwrite is false/, clash.stderr);
            await k.ok(["annotate", "deployment", name, "e2e.bosun.io/reason=again", "--overwrite"]);
            assert.equal((await getDeployment(cl, name)).metadata.annotations?.["e2e.bosun.io/reason"], "again");
            await k.ok(["annotate", "deployment", name, "e2e.bosun.io/reason-"]);
            assert.equal((await getDeployment(cl, name)).metadata.annotations?.["e2e.bosun.io/reason"], undefined);
          }),
      ]);
    });

    e2eTest(`kubectl ${v}: apply --server-side owns fields, reports conflicts and takes over client-side apply`, c, async (cl) => {
      const k = await kubectl(v);
      await compat.kubectl("`apply --server-side`", v, async () => {
        const name = `ssa-${k.suffix}`;
        const m1 = appManifest(name, { replicas: 1, env: [{ name: "A", value: "1" }], labels: { owned: "yes" } });
        const path1 = k.manifestFile(`${name}-1.json`, json(m1));
        assert.equal((await k.ok(["apply", "--server-side", "-f", path1])).trim(), `deployment.apps/${name} serverside-applied`);
        let d = await getDeployment(cl, name);
        const managers = (d.metadata.managedFields ?? []).map((m) => `${m.manager}/${m.operation}`);
        assert.ok(managers.includes("kubectl/Apply"), `managedFields: ${managers.join(", ")}`);

        // Another manager takes spec.replicas; applying a different value is a conflict naming it.
        const r = await cl.client.request(
          "PATCH",
          `/apis/apps/v1/namespaces/default/deployments/${name}?fieldManager=e2e-scaler`,
          { spec: { replicas: 3 } },
          { "content-type": "application/merge-patch+json" },
        );
        assert.equal(r.status, 200, await r.text());
        const m2 = appManifest(name, { replicas: 2, env: [{ name: "A", value: "1" }] });
        const path2 = k.manifestFile(`${name}-2.json`, json(m2));
        const conflict = await k.expectExit(1, ["apply", "--server-side", "-f", path2]);
        assert.match(conflict.stderr, /conflict/i, conflict.stderr);
        assert.match(conflict.stderr, /e2e-scaler/, conflict.stderr);
        assert.match(conflict.stderr, /\.spec\.replicas/, conflict.stderr);
        assert.equal((await getDeployment(cl, name)).spec.replicas, 3, "a conflicting apply changes nothing");

        assert.equal((await k.ok(["apply", "--server-side", "--force-conflicts", "-f", path2])).trim(), `deployment.apps/${name} serverside-applied`);
        d = await getDeployment(cl, name);
        assert.equal(d.spec.replicas, 2);
        assert.equal(d.metadata.labels?.owned, undefined, "a field the manager stopped applying is removed");
        const scaler = (d.metadata.managedFields ?? []).find((m) => m.manager === "e2e-scaler");
        assert.ok(!JSON.stringify(scaler?.fieldsV1 ?? {}).includes("f:replicas"), `e2e-scaler no longer owns spec.replicas: ${JSON.stringify(scaler)}`);
        await waitForServingPods(cl, `app=${name}`, 2);

        // Taking over an object kubectl applied client-side: fields others added stay.
        const app = `app-${k.suffix}`;
        const v2 = appManifest(app, { replicas: 2, env: [{ name: "A", value: "2" }, { name: "B", value: "b" }] });
        const appPath = k.manifestFile(`${app}-ssa.json`, json(v2));
        assert.equal((await k.ok(["apply", "--server-side", "--force-conflicts", "-f", appPath])).trim(), `deployment.apps/${app} serverside-applied`);
        const taken = await getDeployment(cl, app);
        assert.equal(taken.spec.replicas, 2);
        const env = envOf(taken);
        assert.deepEqual({ A: env.A, B: env.B }, { A: "2", B: "b" }, "the applied values win");
        assert.equal(env.D, "4", "an entry another manager added stays");
        assertContainerWhole(taken, app);
      });
    });

    e2eTest(`kubectl ${v}: delete --cascade=orphan, foreground and background`, c, async (cl) => {
      const k = await kubectl(v);
      await compat.kubectl("`delete --cascade`", v, async () => {
        const names = { orphan: `del-o-${k.suffix}`, foreground: `del-f-${k.suffix}`, background: `del-b-${k.suffix}` };
        for (const n of Object.values(names)) await k.ok(["apply", "-f", k.manifestFile(`${n}.json`, json(appManifest(n, { replicas: 1, env: [] })))]);
        for (const n of Object.values(names)) await waitForServingPods(cl, `app=${n}`, 1);
        const rsOf = async (app: string): Promise<ReplicaSet[]> =>
          (await cl.client.list<ReplicaSet>(replicasets, { namespace: "default", labelSelector: `app=${app}` })).items;

        const [rsBefore] = await rsOf(names.orphan);
        assert.match(await k.ok(["delete", "deployment", names.orphan, "--cascade=orphan"]), new RegExp(`deployment.apps "${names.orphan}" deleted`));
        assert.ok(await gone(() => getDeployment(cl, names.orphan)));
        const orphaned = await cl.waitFor(
          async (note) => {
            const rs = await rsOf(names.orphan);
            note(rs.map((r) => r.metadata.ownerReferences));
            return rs.length === 1 && (rs[0]!.metadata.ownerReferences ?? []).length === 0 ? rs[0] : undefined;
          },
          { timeoutMs: 30_000, what: `${names.orphan}'s ReplicaSet to lose its owner reference` },
        );
        assert.equal(orphaned.metadata.uid, rsBefore?.metadata.uid, "the same ReplicaSet survives");
        assert.equal((await waitForServingPods(cl, `app=${names.orphan}`, 1)).length, 1, "its pod keeps running");
        await k.ok(["delete", "rs", "-l", `app=${names.orphan}`]);
        await cl.waitFor(async () => (await podsWithLabels(cl, `app=${names.orphan}`)).length === 0, { timeoutMs: 60_000, what: "the orphaned pod to go with its ReplicaSet" });

        // kubectl waits until the object is gone: with foreground, its dependents went first.
        assert.match(await k.ok(["delete", "deployment", names.foreground, "--cascade=foreground"], { timeoutMs: 120_000 }), new RegExp(`deployment.apps "${names.foreground}" deleted`));
        assert.deepEqual(await rsOf(names.foreground), [], "no ReplicaSet outlives a foreground-deleted owner");
        assert.deepEqual((await podsWithLabels(cl, `app=${names.foreground}`)).map((p: Pod) => p.metadata.name), [], "no pod outlives it");

        assert.match(await k.ok(["delete", "deployment", names.background, "--cascade=background"]), new RegExp(`deployment.apps "${names.background}" deleted`));
        assert.ok(await gone(() => getDeployment(cl, names.background)));
        await cl.waitFor(
          async (note) => {
            const [rs, p] = [await rsOf(names.background), await podsWithLabels(cl, `app=${names.background}`)];
            note({ rs: rs.map((r) => r.metadata.name), pods: p.map((x) => x.metadata.name) });
            return rs.length === 0 && p.length === 0;
          },
          { timeoutMs: 60_000, what: `${names.background}'s ReplicaSet and pod to be collected` },
        );
      });
    });
  }

  compat.documentTest();
});
