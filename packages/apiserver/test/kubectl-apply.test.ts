// Real kubectl (1.27 and 1.33) driving PATCH: client-side apply with the strategic
// merge patches and directives it computes, server-side apply with field
// ownership and conflicts, the move from one to the other, and kubectl patch in
// its three types.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { call, runKubectl, startTestApiServer, type TestApiServer } from "../src/testing/index.js";

interface Container {
  name: string;
  image: string;
  env?: { name: string; value: string }[];
}
interface ManagedFieldsEntry {
  manager: string;
  operation: string;
  apiVersion: string;
  time?: string;
  fieldsType: string;
  fieldsV1: Record<string, unknown>;
}
interface Deployment {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string>; managedFields?: ManagedFieldsEntry[]; generation: number };
  spec: { replicas: number; template: { spec: { containers: Container[] } } };
}

function deployment(name: string, opts: { replicas?: number; image?: string; env?: string[]; order?: string[]; labels?: Record<string, string> } = {}): string {
  const env = (opts.env ?? ["A", "B"]).map((n) => `{name: ${n}, value: "${n.toLowerCase()}"}`).join(", ");
  const containers: Record<string, string> = {
    app: `      - name: app\n        image: ${opts.image ?? "bosun.local/busybox:1"}\n        env: [${env}]`,
    side: `      - name: side\n        image: bosun.local/busybox:1`,
  };
  const labels = Object.entries({ app: name, ...opts.labels })
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ");
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {${labels}}
spec:
  replicas: ${opts.replicas ?? 2}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
${(opts.order ?? ["app", "side"]).map((c) => containers[c]).join("\n")}
`;
}

function managers(d: Deployment): string[] {
  return (d.metadata.managedFields ?? []).map((e) => `${e.manager}/${e.operation}`).sort();
}

function owned(d: Deployment, manager: string): Record<string, unknown> | undefined {
  return d.metadata.managedFields?.find((e) => e.manager === manager)?.fieldsV1;
}

for (const version of ["1.27", "1.33"]) {
  describe(`kubectl ${version}: apply and patch`, () => {
    let server: TestApiServer;
    let url: string;
    let dir: string;
    const deployments = "/apis/apps/v1/namespaces/default/deployments";
    before(async () => {
      server = await startTestApiServer();
      url = server.url;
      dir = await mkdtemp(join(tmpdir(), "bosun-kubectl-apply-"));
    });
    after(async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    });

    const kubectl = (...args: string[]) => runKubectl({ server: url, dir, version }, ...args);
    const file = async (name: string, content: string) => {
      const path = join(dir, name);
      await writeFile(path, content);
      return path;
    };
    const get = async (name: string) => (await call<Deployment>(url, "GET", `${deployments}/${name}`)).body;
    const conflictOf = async (promise: Promise<unknown>): Promise<string> => {
      let stderr = "";
      await assert.rejects(promise, (err: { stderr: string }) => {
        stderr = err.stderr;
        return true;
      });
      return stderr;
    };

    test("client-side apply: create, change (env removed, image changed, containers reordered), apply again", async () => {
      const created = await kubectl("apply", "-f", await file("csa1.yaml", deployment("csa")));
      assert.match(created.stdout, /deployment.apps\/csa created/);
      const changed = await file("csa2.yaml", deployment("csa", { image: "bosun.local/busybox:2", env: ["A"], order: ["side", "app"] }));
      assert.match((await kubectl("apply", "-f", changed)).stdout, /deployment.apps\/csa configured/);
      const d = await get("csa");
      assert.deepEqual(
        d.spec.template.spec.containers.map((c) => [c.name, c.image, c.env?.map((e) => e.name)]),
        [
          ["side", "bosun.local/busybox:1", undefined],
          ["app", "bosun.local/busybox:2", ["A"]],
        ],
      );
      assert.match((await kubectl("apply", "-f", changed)).stdout, /deployment.apps\/csa unchanged/);
      assert.equal((await get("csa")).metadata.generation, d.metadata.generation);
      assert.deepEqual(managers(d), ["kubectl-client-side-apply/Update"]);
      const fields = JSON.stringify(owned(d, "kubectl-client-side-apply"));
      assert.match(fields, /"k:\{\\"name\\":\\"app\\"\}"/);
      assert.match(fields, /"f:kubectl.kubernetes.io\/last-applied-configuration"/);
      assert.doesNotMatch(fields, /"k:\{\\"name\\":\\"B\\"\}"/, "the removed env var is no longer owned");
    });

    test("server-side apply takes over from client-side apply without conflicts", async () => {
      const same = await file("csa3.yaml", deployment("csa", { image: "bosun.local/busybox:2", env: ["A"], order: ["side", "app"], replicas: 4 }));
      assert.match((await kubectl("apply", "--server-side", "-f", same)).stdout, /deployment.apps\/csa serverside-applied/);
      const d = await get("csa");
      assert.equal(d.spec.replicas, 4);
      assert.ok(managers(d).includes("kubectl/Apply"), managers(d).join());
      assert.ok(!managers(d).includes("kubectl-client-side-apply/Update"), "kubectl moved the client-side entries to its own");
      const shown = (await kubectl("get", "deployment", "csa", "-o", "yaml", "--show-managed-fields")).stdout;
      assert.match(shown, /manager: kubectl\n\s+operation: Apply/);
      assert.match(shown, /fieldsType: FieldsV1/);
      assert.doesNotMatch((await kubectl("get", "deployment", "csa", "-o", "yaml")).stdout, /managedFields/);
    });

    test("a conflict names the manager and the field; --force-conflicts takes the field over", async () => {
      const mine = await file("mine.yaml", deployment("owned", { replicas: 2 }));
      await kubectl("apply", "--server-side", "-f", mine);
      const theirs = await file("theirs.yaml", deployment("owned", { replicas: 5 }));
      const stderr = await conflictOf(kubectl("apply", "--server-side", "--field-manager=other", "-f", theirs));
      assert.match(stderr, /Apply failed with 1 conflict: conflict with "kubectl": \.spec\.replicas/);
      assert.equal((await get("owned")).spec.replicas, 2, "nothing written");

      const forced = await kubectl("apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", theirs);
      assert.match(forced.stdout, /serverside-applied/);
      const d = await get("owned");
      assert.equal(d.spec.replicas, 5);
      assert.ok(JSON.stringify(owned(d, "other")).includes('"f:replicas"'));
      assert.ok(!JSON.stringify(owned(d, "kubectl")).includes('"f:replicas"'), "kubectl lost spec.replicas");
      // Applying the same value again is no conflict: both own it then.
      await kubectl("apply", "--server-side", "-f", theirs);
    });

    test("a conflict with client-side apply's manager, as Kubernetes words it", async () => {
      await kubectl("apply", "-f", await file("c1.yaml", deployment("clash", { replicas: 2 })));
      const stderr = await conflictOf(
        kubectl("apply", "--server-side", "--field-manager=ci", "-f", await file("c2.yaml", deployment("clash", { replicas: 3 }))),
      );
      assert.match(stderr, /Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps\/v1: \.spec\.replicas/);
    });

    test("fields a manager stops applying are removed when it alone owned them", async () => {
      await kubectl("apply", "--server-side", "-f", await file("l1.yaml", deployment("prune", { labels: { tier: "web" }, env: ["A", "B"] })));
      assert.equal((await get("prune")).metadata.labels?.tier, "web");
      await kubectl("apply", "--server-side", "-f", await file("l2.yaml", deployment("prune", { env: ["A"] })));
      const d = await get("prune");
      assert.equal(d.metadata.labels?.tier, undefined);
      assert.deepEqual(d.spec.template.spec.containers[0]!.env?.map((e) => e.name), ["A"]);
      assert.equal(d.metadata.labels?.app, "prune", "still applied");
    });

    test("kubectl patch: strategic, merge and json", async () => {
      await kubectl("apply", "--server-side", "-f", await file("p.yaml", deployment("patched")));
      await kubectl("patch", "deployment", "patched", "--type=strategic", "-p", JSON.stringify({
        spec: { template: { spec: { containers: [{ name: "side", image: "bosun.local/busybox:3" }] } } },
      }));
      let d = await get("patched");
      assert.deepEqual(d.spec.template.spec.containers.map((c) => `${c.name}=${c.image}`), ["app=bosun.local/busybox:1", "side=bosun.local/busybox:3"]);
      await kubectl("patch", "deployment", "patched", "--type=merge", "-p", JSON.stringify({ metadata: { labels: { merged: "yes" } } }));
      await kubectl("patch", "deployment", "patched", "--type=json", "-p", JSON.stringify([{ op: "replace", path: "/spec/replicas", value: 7 }]));
      d = await get("patched");
      assert.equal(d.metadata.labels?.merged, "yes");
      assert.equal(d.spec.replicas, 7);
      assert.ok(managers(d).includes("kubectl-patch/Update"), managers(d).join());
      const bad = await conflictOf(kubectl("patch", "deployment", "patched", "--type=json", "-p", JSON.stringify([{ op: "remove", path: "/spec/nothere" }])));
      assert.match(bad, /JSON patch remove operation on "\/spec\/nothere" failed/);
    });
  });
}
