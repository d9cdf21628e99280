// The real kubectl 1.33 and 1.27 reading a Bosun cluster with the kubeconfig
// `bosun kubeconfig` prints: version and discovery, explain, get in its output
// forms (server-side columns, wide, yaml, watch, all namespaces, labels, selectors,
// `all`), describe, wait, and top's clear refusal. Each row of the client table in
// docs/compatibility.md that this suite owns is checked at the end.
import assert from "node:assert/strict";
import { describe } from "node:test";
import { loadYaml } from "@kubernetes/client-node";
import { mustResource, type Deployment, type Node, type Pod } from "@bosun/api";
import {
  e2eTest,
  expectSuccess,
  idleScript,
  parseTable,
  podManifest,
  pods,
  podsWithLabels,
  shContainer,
  useCluster,
  waitForRunning,
  waitForServingPods,
  type Cluster,
  type Row,
} from "../src/index.js";
import { Compatibility, notSupported, runAll } from "../src/compatibility.js";
import { KUBECTL_VERSIONS, useKubectls } from "../src/kubectl.js";

const nodes = mustResource("nodes");

const fixtures = `
apiVersion: v1
kind: Namespace
metadata:
  name: e2e-other
---
apiVersion: v1
kind: Pod
metadata:
  name: solo
  namespace: e2e-other
  labels: {app: solo}
spec:
  terminationGracePeriodSeconds: 5
  containers:
    - name: app
      image: bosun.local/busybox:1
      imagePullPolicy: Never
      command: ["sh", "-c", "${idleScript("solo")}"]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, tier: frontend}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: frontend}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
        - name: app
          image: bosun.local/busybox:1
          imagePullPolicy: Never
          command: ["sh", "-c", "${idleScript("web")}"]
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
        - name: app
          image: bosun.local/busybox:1
          imagePullPolicy: Never
          command: ["sh", "-c", "${idleScript("agent")}"]
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
        - name: app
          image: bosun.local/busybox:1
          imagePullPolicy: Never
          command: ["sh", "-c", "${idleScript("db")}"]
---
apiVersion: batch/v1
kind: Job
metadata:
  name: once
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: app
          image: bosun.local/busybox:1
          imagePullPolicy: Never
          command: ["sh", "-c", "echo done"]
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  suspend: true
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: app
              image: bosun.local/busybox:1
              imagePullPolicy: Never
              command: ["sh", "-c", "echo nightly"]
`;

/** The objects every scenario reads, made once through the bosun CLI and awaited until they serve. */
function useFixtures(cluster: () => Cluster): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () => {
    ready ??= (async () => {
      const cl = cluster();
      expectSuccess("bosun apply -f - (fixtures)", await cl.bosun(["apply", "-f", "-"], { input: fixtures }));
      await waitForServingPods(cl, "app=web", 2);
      await waitForServingPods(cl, "app=agent", 1);
      await waitForServingPods(cl, "app=db", 1);
      await cl.waitFor(
        async (note) => {
          const r = await cl.bosun(["get", "jobs", "once", "-o", "json"]);
          const job = JSON.parse(r.stdout || "{}") as { status?: { succeeded?: number } };
          note(job.status);
          return job.status?.succeeded === 1;
        },
        { timeoutMs: 60_000, what: "job once to succeed", intervalMs: 500 },
      );
      await cl.waitFor(async () => (await cl.client.list<Pod>(pods, { namespace: "e2e-other" })).items.some((p) => p.status?.phase === "Running"), {
        timeoutMs: 60_000,
        what: "pod e2e-other/solo to run",
      });
    })();
    return ready;
  };
}

/** The table kubectl printed, with a clear failure when it has no such header. */
function table(text: string, header: readonly string[], what: string): Row[] {
  const first = text.split("\n")[0] ?? "";
  const columns = first.trim().split(/\s{2,}/);
  assert.deepEqual(columns, header, `${what}: the header row is not kubectl's\n${text}`);
  return parseTable(text);
}

function rowNamed(rows: Row[], name: string | RegExp, what: string, text: string): Row {
  const row = rows.find((r) => (typeof name === "string" ? r.NAME === name : name.test(r.NAME ?? "")));
  assert.ok(row, `${what}: no row named ${name}\n${text}`);
  return row;
}

describe("kubectl reads the cluster", () => {
  const c = useCluster({ agents: [{ name: "a" }] });
  const kubectl = useKubectls(c);
  const ready = useFixtures(c);
  const compat = new Compatibility("kubectl-read");

  for (const v of KUBECTL_VERSIONS) {
    e2eTest(`kubectl ${v}: version, api-resources, api-versions and explain describe the server`, c, async (cl) => {
      const k = await kubectl(v);
      await runAll([
        () =>
          compat.kubectl("`version`", v, async () => {
            const out = JSON.parse(await k.ok(["version", "-o", "json"])) as {
              clientVersion: { minor: string };
              serverVersion?: { gitVersion: string; major: string; minor: string };
            };
            const server = (await (await cl.client.request("GET", "/version")).json()) as { gitVersion: string; major: string; minor: string };
            assert.equal(out.clientVersion.minor, v.split(".")[1], "the kubectl build under test");
            assert.deepEqual(
              { gitVersion: out.serverVersion?.gitVersion, major: out.serverVersion?.major, minor: out.serverVersion?.minor },
              { gitVersion: server.gitVersion, major: server.major, minor: server.minor },
            );
          }),
        () =>
          compat.kubectl("`api-resources`, `api-versions`", v, async () => {
            const r = expectSuccess(`${k.label} api-resources`, await k.run(["api-resources"]));
            // A group kubectl cannot read shows up as a warning on stderr, not a failure.
            assert.doesNotMatch(r.stderr, /couldn't get resource list|unable to retrieve/i, r.stderr);
            const rows = table(r.stdout, ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"], "kubectl api-resources");
            const expected: Array<[string, string, string, string, string]> = [
              ["pods", "po", "v1", "true", "Pod"],
              ["nodes", "no", "v1", "false", "Node"],
              ["namespaces", "ns", "v1", "false", "Namespace"],
              ["events", "ev", "v1", "true", "Event"],
              ["deployments", "deploy", "apps/v1", "true", "Deployment"],
              ["replicasets", "rs", "apps/v1", "true", "ReplicaSet"],
              ["daemonsets", "ds", "apps/v1", "true", "DaemonSet"],
              ["statefulsets", "sts", "apps/v1", "true", "StatefulSet"],
              ["cronjobs", "cj", "batch/v1", "true", "CronJob"],
            ];
            for (const [name, short, apiVersion, namespaced, kind] of expected) {
              const row = rowNamed(rows, name, "kubectl api-resources", r.stdout);
              assert.deepEqual(
                [row.SHORTNAMES, row.APIVERSION, row.NAMESPACED, row.KIND],
                [short, apiVersion, namespaced, kind],
                `kubectl api-resources, row ${name}`,
              );
            }
            const jobs = rows.find((row) => row.NAME === "jobs");
            assert.ok(jobs, `kubectl api-resources lists jobs\n${r.stdout}`);
            // Like jobs, secrets have no short name: the empty cell makes the row's columns unreliable to read.
            assert.ok(rows.find((row) => row.NAME === "secrets"), `kubectl api-resources lists secrets\n${r.stdout}`);
            const clusterScoped = (await k.ok(["api-resources", "--namespaced=false", "-o", "name"])).split("\n").filter(Boolean);
            assert.ok(clusterScoped.includes("nodes") && clusterScoped.includes("namespaces"), `cluster-scoped: ${clusterScoped.join(", ")}`);
            assert.ok(!clusterScoped.includes("pods"), `pods are namespaced: ${clusterScoped.join(", ")}`);
            const versions = (await k.ok(["api-versions"])).split("\n").filter(Boolean);
            for (const gv of ["v1", "apps/v1", "batch/v1"]) assert.ok(versions.includes(gv), `kubectl api-versions lists ${gv}: ${versions.join(", ")}`);
          }),
        () =>
          compat.kubectl("`explain`", v, async () => {
            const pod = await k.ok(["explain", "pods"]);
            assert.match(pod, /KIND:\s+Pod/, pod);
            assert.match(pod, /VERSION:\s+v1/, pod);
            assert.match(pod, /^\s+spec\s+<(Object|PodSpec)>/m, pod);
            const replicas = await k.ok(["explain", "deployment.spec.replicas"]);
            assert.match(replicas, /FIELD:\s+replicas\s+<integer>/, replicas);
            const containers = await k.ok(["explain", "pods.spec.containers"]);
            assert.match(containers, /^\s+image\s+<string>/m, containers);
            assert.match(containers, /^\s+name\s+<string>\s+-required-/m, containers);
            const cron = await k.ok(["explain", "cronjob.spec.schedule"]);
            assert.match(cron, /FIELD:\s+schedule\s+<string>/, cron);
            const missing = await k.run(["explain", "pods.spec.noSuchField"]);
            assert.notEqual(missing.code, 0, "explain of a field that does not exist fails");
            assert.match(missing.stderr, /noSuchField/, missing.stderr);
          }),
      ]);
    });

    e2eTest(`kubectl ${v}: get prints kubectl's columns, wide, yaml, all namespaces, labels and selections`, c, async (cl) => {
      const k = await kubectl(v);
      await ready();
      const node = cl.nodeName("a");
      const webPods = await podsWithLabels(cl, "app=web");
      await runAll([
        () =>
          compat.kubectl("`get` (server-side columns)", v, async () => {
            const podsOut = await k.ok(["get", "pods", "-l", "app=web"]);
            const podRows = table(podsOut, ["NAME", "READY", "STATUS", "RESTARTS", "AGE"], "kubectl get pods");
            assert.equal(podRows.length, 2, podsOut);
            for (const row of podRows) assert.deepEqual([row.READY, row.STATUS, row.RESTARTS], ["1/1", "Running", "0"], podsOut);

            const deployOut = await k.ok(["get", "deployments"]);
            const web = rowNamed(table(deployOut, ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], "kubectl get deployments"), "web", "get deployments", deployOut);
            assert.deepEqual([web.READY, web["UP-TO-DATE"], web.AVAILABLE], ["2/2", "2", "2"], deployOut);

            const rsOut = await k.ok(["get", "replicasets", "-l", "app=web"]);
            const rs = table(rsOut, ["NAME", "DESIRED", "CURRENT", "READY", "AGE"], "kubectl get replicasets")[0];
            assert.deepEqual([rs?.DESIRED, rs?.CURRENT, rs?.READY], ["2", "2", "2"], rsOut);

            const dsOut = await k.ok(["get", "daemonsets"]);
            const ds = rowNamed(
              table(dsOut, ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"], "kubectl get daemonsets"),
              "agent",
              "get daemonsets",
              dsOut,
            );
            assert.deepEqual([ds.DESIRED, ds.CURRENT, ds.READY, ds["NODE SELECTOR"]], ["1", "1", "1", "<none>"], dsOut);

            const stsOut = await k.ok(["get", "statefulsets"]);
            assert.equal(rowNamed(table(stsOut, ["NAME", "READY", "AGE"], "kubectl get statefulsets"), "db", "get statefulsets", stsOut).READY, "1/1");

            const jobOut = await k.ok(["get", "jobs"]);
            const job = rowNamed(table(jobOut, ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"], "kubectl get jobs"), "once", "get jobs", jobOut);
            assert.deepEqual([job.STATUS, job.COMPLETIONS], ["Complete", "1/1"], jobOut);

            const cronOut = await k.ok(["get", "cronjobs"]);
            const cron = rowNamed(
              table(cronOut, ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"], "kubectl get cronjobs"),
              "nightly",
              "get cronjobs",
              cronOut,
            );
            assert.deepEqual([cron.SCHEDULE, cron.TIMEZONE, cron.SUSPEND, cron.ACTIVE], ["0 3 * * *", "<none>", "True", "0"], cronOut);

            const nodeOut = await k.ok(["get", "nodes"]);
            const apiNode = await cl.client.get<Node>(nodes, node);
            const nodeRow = rowNamed(table(nodeOut, ["NAME", "STATUS", "ROLES", "AGE", "VERSION"], "kubectl get nodes"), node, "get nodes", nodeOut);
            assert.deepEqual([nodeRow.STATUS, nodeRow.VERSION], ["Ready", apiNode.status?.nodeInfo?.kubeletVersion], nodeOut);

            const nsOut = await k.ok(["get", "namespaces"]);
            assert.equal(rowNamed(table(nsOut, ["NAME", "STATUS", "AGE"], "kubectl get namespaces"), "e2e-other", "get namespaces", nsOut).STATUS, "Active");

            const eventsOut = await k.ok(["get", "events"]);
            table(eventsOut, ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], "kubectl get events");
            assert.match(eventsOut, /Normal\s+Scheduled\s+pod\/web-/, eventsOut);
          }),
        () =>
          compat.kubectl("`get -o wide`", v, async () => {
            const out = await k.ok(["get", "pods", "-l", "app=web", "-o", "wide"]);
            const rows = table(out, ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"], "kubectl get pods -o wide");
            for (const pod of webPods) {
              const row = rowNamed(rows, pod.metadata.name!, "get pods -o wide", out);
              assert.deepEqual([row.IP, row.NODE, row["NOMINATED NODE"]], [pod.status?.podIP, node, "<none>"], out);
            }
            const deployOut = await k.ok(["get", "deployment", "web", "-o", "wide"]);
            const web = table(deployOut, ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"], "kubectl get deployment -o wide")[0];
            assert.deepEqual([web?.CONTAINERS, web?.IMAGES, web?.SELECTOR], ["app", "bosun.local/busybox:1", "app=web"], deployOut);
            const nodeOut = await k.ok(["get", "nodes", "-o", "wide"]);
            const header = nodeOut.split("\n")[0]!;
            for (const column of ["INTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"]) assert.match(header, new RegExp(column), nodeOut);
            assert.match(nodeOut, /docker:\/\//, nodeOut);
          }),
        () =>
          compat.kubectl("`get -o yaml`", v, async () => {
            const one = loadYaml<Deployment>(await k.ok(["get", "deployment", "web", "-o", "yaml"]));
            assert.equal(one.apiVersion, "apps/v1");
            assert.equal(one.kind, "Deployment");
            assert.equal(one.metadata.name, "web");
            assert.equal(one.spec.replicas, 2);
            assert.equal(one.status?.readyReplicas, 2);
            const list = loadYaml<{ apiVersion: string; kind: string; items: Pod[] }>(await k.ok(["get", "pods", "-l", "app=web", "-o", "yaml"]));
            assert.equal(list.kind, "List");
            assert.deepEqual(list.items.map((p) => p.metadata.name).sort(), webPods.map((p) => p.metadata.name).sort());
            assert.ok(list.items.every((p) => p.kind === "Pod" && p.apiVersion === "v1"), "every item carries its kind and apiVersion");
          }),
        () =>
          compat.kubectl("`get -A`", v, async () => {
            const out = await k.ok(["get", "pods", "-A"]);
            const rows = table(out, ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"], "kubectl get pods -A");
            assert.ok(rows.some((r) => r.NAMESPACE === "e2e-other" && r.NAME === "solo"), out);
            for (const pod of webPods) assert.ok(rows.some((r) => r.NAMESPACE === "default" && r.NAME === pod.metadata.name), out);
            const names = (await k.ok(["get", "deployments,statefulsets", "--all-namespaces", "-o", "name"])).split("\n").filter(Boolean).sort();
            assert.deepEqual(names, ["deployment.apps/web", "statefulset.apps/db"]);
          }),
        () =>
          compat.kubectl("`get --show-labels`", v, async () => {
            const out = await k.ok(["get", "deployment", "web", "--show-labels"]);
            const row = table(out, ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "LABELS"], "kubectl get --show-labels")[0];
            assert.equal(row?.LABELS, "app=web,tier=frontend", out);
            const podOut = await k.ok(["get", "pods", "-l", "app=web", "--show-labels"]);
            for (const r of parseTable(podOut)) assert.match(r.LABELS ?? "", /^app=web,pod-template-hash=\w+,tier=frontend$/, podOut);
          }),
        () =>
          compat.kubectl("`get -l`", v, async () => {
            const names = async (...selector: string[]): Promise<string[]> =>
              (await k.ok(["get", "pods", ...selector, "-o", "name"])).split("\n").filter(Boolean).sort();
            const web = webPods.map((p) => `pod/${p.metadata.name}`).sort();
            assert.deepEqual(await names("-l", "app=web"), web);
            assert.deepEqual(await names("-l", "tier in (frontend,backend),app"), web);
            assert.deepEqual(await names("--selector", "app=web,tier!=frontend"), []);
            const others = await names("-l", "app!=web");
            assert.ok(others.length > 0 && others.every((n) => !web.includes(n)), `app!=web: ${others.join(", ")}`);
            assert.deepEqual(await names("-l", "app=solo", "-n", "e2e-other"), ["pod/solo"]);
            assert.deepEqual(await names("-l", "app=solo"), [], "the default namespace has no solo");
          }),
        () =>
          compat.kubectl("`get all`", v, async () => {
            const out = await k.ok(["get", "all"]);
            for (const pod of webPods) assert.match(out, new RegExp(`^pod/${pod.metadata.name}\\s+1/1\\s+Running`, "m"), out);
            assert.match(out, /^deployment\.apps\/web\s+2\/2\s+2\s+2/m, out);
            assert.match(out, /^replicaset\.apps\/web-\w+\s+2\s+2\s+2/m, out);
            assert.match(out, /^daemonset\.apps\/agent\s/m, out);
            assert.match(out, /^statefulset\.apps\/db\s+1\/1/m, out);
            assert.match(out, /^job\.batch\/once\s/m, out);
            assert.match(out, /^cronjob\.batch\/nightly\s/m, out);
          }),
      ]);
    });

    e2eTest(`kubectl ${v}: get -w prints a pod's rows as it starts`, c, async (cl) => {
      const k = await kubectl(v);
      await compat.kubectl("`get -w`", v, async () => {
        const label = { "e2e.bosun.io/watch": k.suffix };
        const first = `watched-${k.suffix}-a`;
        const second = `watched-${k.suffix}-b`;
        const manifest = (name: string): Pod => {
          const pod = podManifest(name, [shContainer("app", idleScript(name))], { terminationGracePeriodSeconds: 5 });
          pod.metadata.labels = { ...pod.metadata.labels, ...label };
          return pod;
        };
        // kubectl prints nothing for an empty list, so a running pod shows when the list is done.
        await cl.client.create(pods, manifest(first));
        await waitForRunning(cl, first);
        const w = k.stream(["get", "pods", "-l", `e2e.bosun.io/watch=${k.suffix}`, "-w"]);
        try {
          await w.waitForOutput((o) => o.split("\n").some((l) => l.startsWith(first)), `the row of ${first}`);
          await cl.client.create(pods, manifest(second));
          const out = await w.waitForOutput(
            (o) => o.split("\n").some((l) => l.startsWith(second) && /\s1\/1\s+Running\s/.test(l)),
            `a Running row for ${second}`,
          );
          const lines = out.split("\n").filter(Boolean);
          assert.deepEqual(lines[0]!.trim().split(/\s{2,}/), ["NAME", "READY", "STATUS", "RESTARTS", "AGE"], out);
          assert.match(lines[1]!, new RegExp(`^${first}\\s+1/1\\s+Running\\s+0\\s`), out);
          const rows = lines.filter((l) => l.startsWith(second));
          assert.ok(rows.length >= 2, `one row per change, from before it ran to Running:\n${out}`);
          assert.doesNotMatch(rows[0]!, /Running/, `the first row is the pod as created:\n${out}`);
        } finally {
          await w.stop();
          for (const name of [first, second]) await cl.client.delete(pods, name, { namespace: "default" }).catch(() => undefined);
        }
      });
    });

    e2eTest(`kubectl ${v}: describe shows a pod, a deployment and a node`, c, async (cl) => {
      const k = await kubectl(v);
      await ready();
      await compat.kubectl("`describe`", v, async () => {
        const node = cl.nodeName("a");
        const pod = (await podsWithLabels(cl, "app=web"))[0]!;
        const out = await k.ok(["describe", "pod", pod.metadata.name!]);
        assert.match(out, new RegExp(`^Name:\\s+${pod.metadata.name}$`, "m"), out);
        assert.match(out, /^Namespace:\s+default$/m, out);
        assert.match(out, new RegExp(`^Node:\\s+${node}/`, "m"), out);
        assert.match(out, /^Status:\s+Running$/m, out);
        assert.match(out, new RegExp(`^IP:\\s+${pod.status!.podIP!.replace(/\./g, "\\.")}$`, "m"), out);
        assert.match(out, /^Controlled By:\s+ReplicaSet\/web-\w+$/m, out);
        assert.match(out, /^\s+Ready:\s+True$/m, out);
        assert.match(out, /Normal\s+Scheduled\s+.*default-scheduler\s+Successfully assigned/, out);

        const deploy = await k.ok(["describe", "deployment", "web"]);
        assert.match(deploy, /^Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable$/m, deploy);
        assert.match(deploy, /^NewReplicaSet:\s+web-\w+ \(2\/2 replicas created\)$/m, deploy);
        assert.match(deploy, /ScalingReplicaSet\s+.*Scaled up replica set web-\w+ (from 0 )?to 2/, deploy);

        const nodeOut = await k.ok(["describe", "node", node]);
        assert.match(nodeOut, /^\s+Ready\s+True\s/m, nodeOut);
        // kubectl finds the node's pods with the field selector spec.nodeName=...,status.phase!=Failed,...
        assert.match(nodeOut, /Non-terminated Pods:\s+\(\d+ in total\)/, nodeOut);
        assert.match(nodeOut, new RegExp(`default\\s+${pod.metadata.name}\\s`), nodeOut);
      });
    });

    e2eTest(`kubectl ${v}: wait --for=condition=Ready returns once the pod is ready`, c, async (cl) => {
      const k = await kubectl(v);
      await ready();
      await compat.kubectl("`wait --for=condition=...`", v, async () => {
        const name = `waited-${k.suffix}`;
        // Created just before the wait, so kubectl sees it become Ready rather than find it so.
        await cl.client.create(pods, podManifest(name, [shContainer("app", `sleep 2; ${idleScript(name)}`)], { terminationGracePeriodSeconds: 5 }));
        const out = await k.ok(["wait", "--for=condition=Ready", `pod/${name}`, "--timeout=90s"], { timeoutMs: 120_000 });
        assert.equal(out.trim(), `pod/${name} condition met`);
        const pod = await waitForRunning(cl, name, 1000);
        assert.equal(pod.status?.conditions?.find((cond) => cond.type === "Ready")?.status, "True");
        assert.equal((await k.ok(["wait", "--for=condition=Available", "deployment/web", "--timeout=30s"])).trim(), "deployment.apps/web condition met");
        const notYet = await k.run(["wait", "--for=condition=Ready", "pod", "-l", "app=nothing-matches", "--timeout=2s"]);
        assert.notEqual(notYet.code, 0, "waiting on nothing fails");
        assert.match(notYet.stderr, /no matching resources found/, notYet.stderr);
        await k.ok(["delete", "pod", name, "--wait=false"]);
        assert.equal((await k.ok(["wait", "--for=delete", `pod/${name}`, "--timeout=60s"], { timeoutMs: 90_000 })).trim(), `pod/${name} condition met`);
      });
    });

    e2eTest(`kubectl ${v}: top says clearly that there is no metrics API`, c, async () => {
      const k = await kubectl(v);
      await compat.kubectl("`top`", v, async () => {
        for (const what of ["pod", "node"]) {
          const r = await k.run(["top", what]);
          assert.equal(r.code, 1, `kubectl top ${what} fails: ${r.stdout}${r.stderr}`);
          assert.match(r.stderr, /error: Metrics API not available/, r.stderr);
        }
        return notSupported("no metrics API (`metrics.k8s.io`); kubectl says `Metrics API not available`");
      });
    });
  }

  compat.documentTest();
});
