// ReplicationControllers and the history of DaemonSets and StatefulSets, driven by
// the real kubectl 1.33: an RC scales from 2 to 3 with `kubectl scale rc`; a
// DaemonSet updated to a new template lists 2 revisions in `kubectl rollout
// history`, and `kubectl rollout undo` brings its pods back to the first template;
// a StatefulSet's revisions go the same way through `bosun rollout undo`. Daemon
// pods are bound by the scheduler, through the node affinity the controller gives
// them.
import assert from "node:assert/strict";
import { describe } from "node:test";
import { mustResource, type DaemonSet, type Pod, type ReplicationController, type StatefulSet } from "@bosun/api";
import {
  daemonsets,
  e2eTest,
  expectSuccess,
  idleScript,
  isServing,
  parseTable,
  podsWithLabels,
  shContainer,
  statefulsets,
  useCluster,
  waitForServingPods,
  type Cluster,
} from "../src/index.js";
import { useKubectls } from "../src/kubectl.js";

const rcs = mustResource("replicationcontrollers");

/** The value of the VERSION variable the pods of a template run with. */
function versionOf(pod: Pod): string | undefined {
  return pod.spec.containers[0]?.env?.find((e) => e.name === "VERSION")?.value;
}

/** Waits until `count` pods of `selector` serve, all with VERSION `version`. */
async function servingAtVersion(cl: Cluster, selector: string, count: number, version: string): Promise<Pod[]> {
  return cl.waitFor(
    async (note) => {
      const pods = await podsWithLabels(cl, selector);
      note(pods.map((p) => `${p.metadata.name} ${p.spec.nodeName ?? "-"} ${p.status?.phase} VERSION=${versionOf(p)}${p.metadata.deletionTimestamp ? " terminating" : ""}`));
      return pods.length === count && pods.every((p) => isServing(p) && versionOf(p) === version) ? pods : undefined;
    },
    { timeoutMs: 180_000, what: `${count} serving pods of ${selector} at VERSION=${version}`, intervalMs: 500 },
  );
}

/** The REVISION numbers `rollout history` lists. */
function revisionsListed(out: string): string[] {
  return out
    .split("\n")
    .filter((l) => /^\d+\s/.test(l))
    .map((l) => l.trim().split(/\s+/)[0]!);
}

describe("workload history and ReplicationControllers", () => {
  const c = useCluster({ agents: [{ name: "a" }, { name: "b" }] });
  const kubectl = useKubectls(c);

  e2eTest("a ReplicationController scales from 2 to 3 with kubectl scale rc", c, async (cl) => {
    const k = await kubectl("1.33");
    const labels = { app: "legacy" };
    const rc: ReplicationController = {
      apiVersion: "v1",
      kind: "ReplicationController",
      metadata: { name: "legacy", namespace: "default" },
      spec: {
        replicas: 2,
        template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 5, containers: [shContainer("app", idleScript("legacy"))] } },
      },
    };
    await cl.client.create(rcs, rc, "default");
    const two = await waitForServingPods(cl, "app=legacy", 2);
    for (const pod of two) assert.equal(pod.metadata.ownerReferences?.[0]?.kind, "ReplicationController");

    assert.match(await k.ok(["scale", "rc", "legacy", "--replicas=3"]), /replicationcontroller\/legacy scaled/);
    await waitForServingPods(cl, "app=legacy", 3);
    const table = await cl.waitFor(
      async (note) => {
        const out = await k.ok(["get", "rc", "legacy"]);
        note(out);
        const row = parseTable(out)[0];
        return row?.READY === "3" ? row : undefined;
      },
      { timeoutMs: 60_000, what: "kubectl get rc to show READY 3", intervalMs: 500 },
    );
    assert.deepEqual([table.NAME, table.DESIRED, table.CURRENT], ["legacy", "3", "3"]);
    const described = expectSuccess("bosun describe rc", await cl.bosun(["describe", "rc", "legacy"])).stdout;
    assert.match(described, /^Selector:\s+app=legacy$/m, described);
    assert.match(described, /^Replicas:\s+3 current \/ 3 desired$/m, described);
    assert.match(described, /^Pods Status:\s+3 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m, described);
  });

  e2eTest("kubectl rollout history lists a DaemonSet's 2 revisions and rollout undo brings back the first template", c, async (cl) => {
    const k = await kubectl("1.33");
    const labels = { app: "histd" };
    const container = (version: string) => shContainer("d", idleScript("histd"), { env: [{ name: "VERSION", value: version }] });
    const ds: DaemonSet = {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "histd", namespace: "default" },
      spec: {
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 5, containers: [container("1")] } },
      },
    };
    await cl.client.create(daemonsets, ds, "default");
    const first = await servingAtVersion(cl, "app=histd", 2, "1");
    assert.deepEqual(first.map((p) => p.spec.nodeName).sort(), [cl.nodeName("a"), cl.nodeName("b")].sort());
    for (const pod of first) {
      // The controller names the node through affinity; the scheduler bound the pod there.
      const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
      assert.deepEqual(terms, [{ matchFields: [{ key: "metadata.name", operator: "In", values: [pod.spec.nodeName] }] }]);
    }
    const firstHash = first[0]!.metadata.labels?.["controller-revision-hash"];

    expectSuccess("kubectl set env", await k.run(["set", "env", "ds/histd", "VERSION=2"]));
    const second = await servingAtVersion(cl, "app=histd", 2, "2");
    assert.notEqual(second[0]!.metadata.labels?.["controller-revision-hash"], firstHash);

    const history = await k.ok(["rollout", "history", "ds/histd"]);
    assert.match(history, /^daemonset\.apps\/histd \n/, history);
    assert.deepEqual(revisionsListed(history), ["1", "2"], history);
    const one = await k.ok(["rollout", "history", "ds/histd", "--revision=1"]);
    assert.match(one, /VERSION:\s+1/, one);

    assert.match(await k.ok(["rollout", "undo", "ds/histd"]), /daemonset\.apps\/histd rolled back/);
    const back = await servingAtVersion(cl, "app=histd", 2, "1");
    for (const pod of back) assert.equal(pod.metadata.labels?.["controller-revision-hash"], firstHash, "the first revision's hash again");
    assert.deepEqual(revisionsListed(await k.ok(["rollout", "history", "ds/histd"])), ["2", "3"], "the first revision is renumbered, not copied");
    const status = await k.ok(["rollout", "status", "ds/histd", "--timeout=120s"], { timeoutMs: 150_000 });
    assert.match(status, /daemon set "histd" successfully rolled out/, status);
  });

  e2eTest("a StatefulSet keeps ControllerRevisions; bosun rollout undo returns it to the previous one", c, async (cl) => {
    const labels = { app: "histsts" };
    const container = (version: string) => shContainer("web", idleScript("histsts"), { env: [{ name: "VERSION", value: version }] });
    const sts: StatefulSet = {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "histsts", namespace: "default" },
      spec: {
        replicas: 2,
        serviceName: "histsts",
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 5, containers: [container("1")] } },
      },
    };
    await cl.client.create(statefulsets, sts, "default");
    await servingAtVersion(cl, "app=histsts", 2, "1");
    const before = await cl.client.get<StatefulSet>(statefulsets, "histsts", "default");
    const firstRevision = before.status?.currentRevision;
    assert.ok(firstRevision, "status names the current revision");

    const current = await cl.client.get<StatefulSet>(statefulsets, "histsts", "default");
    current.spec.template.spec.containers = [container("2")];
    await cl.client.update(statefulsets, current);
    await servingAtVersion(cl, "app=histsts", 2, "2");
    const history = expectSuccess("bosun rollout history", await cl.bosun(["rollout", "history", "sts/histsts"])).stdout;
    assert.deepEqual(revisionsListed(history), ["1", "2"], history);

    assert.match(expectSuccess("bosun rollout undo", await cl.bosun(["rollout", "undo", "sts/histsts"])).stdout, /statefulset\.apps\/histsts rolled back/);
    const back = await servingAtVersion(cl, "app=histsts", 2, "1");
    for (const pod of back) assert.equal(pod.metadata.labels?.["controller-revision-hash"], firstRevision);
    const done = await cl.waitFor(
      async () => {
        const s = (await cl.client.get<StatefulSet>(statefulsets, "histsts", "default")).status;
        return s?.currentRevision === firstRevision && s.updateRevision === firstRevision ? s : undefined;
      },
      { timeoutMs: 60_000, what: "the first revision to be current again", intervalMs: 500 },
    );
    assert.equal(done.readyReplicas, 2);
  });
});
