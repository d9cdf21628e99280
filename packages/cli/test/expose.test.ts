// bosun expose: the Service kubectl expose would make (selector, ports, protocols,
// labels, name), printed with --dry-run=client or created through the fake API
// server; clear errors for objects that cannot be exposed and for bad flags.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Deployment, Pod, Service } from "@bosun/api";
import { ApiClient } from "@bosun/client";
import { InvalidArgumentError } from "commander";
import { parse } from "yaml";
import {
  parseLabelMap,
  parsePort,
  parseServiceType,
  parseTargetPort,
  runExpose,
  type ExposeOptions,
} from "../src/commands/expose.js";
import { startFakeApiServer, type FakeApiServer } from "../src/testing/fake-apiserver.js";
import { startCliAgainstFakeApi, type CliAgainstFakeApi } from "../src/testing/run-cli.js";
import { deployment, template } from "../src/testing/workloads.js";

let api: FakeApiServer;
let client: ApiClient;
let cli: CliAgainstFakeApi;
let dir: string;

before(async () => {
  api = await startFakeApiServer();
  client = new ApiClient({ server: api.url, credentials: api.credentials });
  cli = await startCliAgainstFakeApi();
  dir = mkdtempSync(join(tmpdir(), "bosun-expose-test-"));
});
after(async () => {
  await client.close();
  await api.close();
  await cli.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  api.objects.clear();
  api.calls.length = 0;
});

async function run(args: string[], extra: Partial<ExposeOptions> = {}) {
  let out = "";
  const err: string[] = [];
  const code = await runExpose(client, args, {
    namespace: "default",
    filenames: [],
    dryRun: "none",
    out: (t) => void (out += t),
    err: (l) => void err.push(l),
    ...extra,
  });
  return { code, out, err };
}

const webManifest = `apiVersion: apps/v1
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
      containers:
        - name: app
          image: busybox:1
          ports: [{containerPort: 8080}]
`;

function manifestFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function withPorts(d: Deployment, ports: NonNullable<Pod["spec"]["containers"][number]["ports"]>): Deployment {
  d.spec.template.spec.containers[0]!.ports = ports;
  return d;
}

test("--dry-run=client -o yaml prints the Service for a deployment manifest, and sends nothing", async () => {
  const file = manifestFile("web.yaml", webManifest);
  const r = await run([], { filenames: [file], dryRun: "client", output: "yaml", port: 80, targetPort: 8080 });
  assert.deepEqual(r.err, []);
  assert.equal(r.code, 0);
  assert.equal(
    r.out,
    [
      "apiVersion: v1",
      "kind: Service",
      "metadata:",
      "  name: web",
      "  namespace: default",
      "  labels:",
      "    app: web",
      "    tier: frontend",
      "spec:",
      "  ports:",
      "    - port: 80",
      "      protocol: TCP",
      "      targetPort: 8080",
      "  selector:",
      "    app: web",
      "",
    ].join("\n"),
  );
  assert.deepEqual(api.calls, [], "a client dry run asks the server nothing");
});

test("without --port the one container port is the Service's port and target port; without -o a dry run says so", async () => {
  const file = manifestFile("web.yaml", webManifest);
  const yaml = await run([], { filenames: [file], dryRun: "client", output: "yaml" });
  const svc = parse(yaml.out) as Service;
  assert.deepEqual(svc.spec?.ports, [{ port: 8080, protocol: "TCP", targetPort: 8080 }]);
  const plain = await run([], { filenames: [file], dryRun: "client", type: "NodePort" });
  assert.deepEqual(plain, { code: 0, out: "service/web exposed (dry run)\n", err: [] });
});

test("a deployment on the server: the Service is created in its namespace with its selector and labels", async () => {
  const d = deployment("web");
  d.metadata.labels = { app: "web" };
  api.put("deployments", d);
  const r = await run(["deployment", "web"], { port: 80, targetPort: 8080, type: "NodePort" });
  assert.deepEqual(r, { code: 0, out: "service/web exposed\n", err: [] });
  const post = api.calls.find((c) => c.method === "POST");
  assert.equal(post?.path, "/api/v1/namespaces/default/services");
  assert.equal(post?.query.get("dryRun"), null);
  const stored = api.objects.get("services/default/web") as Service;
  assert.deepEqual(stored.spec, { type: "NodePort", selector: { app: "web" }, ports: [{ port: 80, protocol: "TCP", targetPort: 8080 }] });
  assert.deepEqual(stored.metadata.labels, { app: "web" });
});

test("--dry-run=server asks the server to check the Service without storing it, and -o name prints its name", async () => {
  api.put("deployments", deployment("web"));
  const r = await run(["deploy/web"], { port: 80, dryRun: "server", output: "name" });
  assert.deepEqual(r, { code: 0, out: "service/web\n", err: [] });
  const post = api.calls.find((c) => c.method === "POST");
  assert.equal(post?.query.get("dryRun"), "All");
});

test("a pod is selected by its labels; --name, --selector, --labels, --protocol, --session-affinity and --cluster-ip are taken as given", async () => {
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "solo", namespace: "default", labels: { run: "solo", extra: "x" } },
    spec: { containers: [{ name: "app", image: "busybox:1", ports: [{ containerPort: 53, protocol: "UDP" }] }] },
  };
  api.put("pods", pod);
  const byLabels = parse((await run(["pod", "solo"], { dryRun: "client", output: "yaml" })).out) as Service;
  assert.deepEqual(byLabels.spec?.selector, { run: "solo", extra: "x" });
  assert.deepEqual(byLabels.spec?.ports, [{ port: 53, protocol: "UDP", targetPort: 53 }], "the container port's protocol");

  const given = await run(["pod/solo"], {
    dryRun: "client",
    output: "json",
    name: "dns",
    port: 5353,
    targetPort: "dns",
    protocol: "TCP",
    selector: { run: "solo" },
    labels: { team: "infra" },
    sessionAffinity: "ClientIP",
    clusterIP: "None",
  });
  const svc = JSON.parse(given.out) as Service;
  assert.equal(svc.metadata.name, "dns");
  assert.deepEqual(svc.metadata.labels, { team: "infra" });
  assert.deepEqual(svc.spec, {
    ports: [{ port: 5353, protocol: "TCP", targetPort: "dns" }],
    selector: { run: "solo" },
    sessionAffinity: "ClientIP",
    clusterIP: "None",
  });
});

test("several container ports become port-1, port-2; a port declared for TCP and UDP becomes one Service port per protocol", async () => {
  api.put("replicasets", {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "dns", namespace: "default" },
    spec: {
      selector: { matchLabels: { app: "dns" } },
      template: {
        ...template("busybox:1", { app: "dns" }),
        spec: {
          containers: [
            { name: "a", image: "busybox:1", ports: [{ containerPort: 53, protocol: "UDP" }, { containerPort: 53, protocol: "TCP" }] },
            { name: "b", image: "busybox:1", ports: [{ containerPort: 9153 }] },
          ],
        },
      },
    },
  });
  const svc = parse((await run(["rs", "dns"], { dryRun: "client", output: "yaml" })).out) as Service;
  assert.deepEqual(svc.spec?.ports, [
    { name: "port-1-udp", port: 53, protocol: "UDP", targetPort: 53 },
    { name: "port-1-tcp", port: 53, protocol: "TCP", targetPort: 53 },
    { name: "port-2", port: 9153, protocol: "TCP", targetPort: 9153 },
  ]);
});

test("exposing a Service copies its selector and ports", async () => {
  api.put("services", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: "default" },
    spec: { selector: { app: "web" }, ports: [{ port: 80, protocol: "TCP", targetPort: 8080 }] },
  } satisfies Service);
  const svc = parse((await run(["svc", "web"], { dryRun: "client", output: "yaml", name: "web-https", port: 443, targetPort: 8443 })).out) as Service;
  assert.deepEqual(svc.spec, { ports: [{ port: 443, protocol: "TCP", targetPort: 8443 }], selector: { app: "web" } });
  const same = parse((await run(["svc", "web"], { dryRun: "client", output: "yaml", name: "web2" })).out) as Service;
  assert.deepEqual(same.spec?.ports, [{ port: 80, protocol: "TCP", targetPort: 80 }], "kubectl's default target port is the port itself");
});

test("objects that cannot be exposed are refused naming what is missing; nothing is created", async () => {
  const noPorts = deployment("plain");
  api.put("deployments", noPorts);
  const unlabelled: Pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "bare", namespace: "default" }, spec: { containers: [{ name: "a", image: "busybox:1" }] } };
  api.put("pods", unlabelled);
  api.put("services", { apiVersion: "v1", kind: "Service", metadata: { name: "manual", namespace: "default" }, spec: { ports: [{ port: 80 }] } } satisfies Service);
  const expressions = withPorts(deployment("expr"), [{ containerPort: 80 }]);
  expressions.spec.selector = { matchExpressions: [{ key: "app", operator: "In", values: ["web"] }] };
  api.put("deployments", expressions);
  api.put("daemonsets", { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent", namespace: "default" }, spec: { selector: { matchLabels: { app: "a" } }, template: template("busybox:1", { app: "a" }) } });

  const cases: Array<[string[], RegExp]> = [
    [["deployment", "plain"], /^error: couldn't find a port for the Service: deployment\.apps\/plain declares no container ports; give one with --port$/],
    [["pod", "bare"], /^error: pod\/bare has no labels, so a Service cannot select it: label the pod, or give the Service's selector with --selector key=value/],
    [["service", "manual"], /^error: service\/manual has no pod selector .*--selector/],
    [["deployment", "expr"], /^error: deployment\.apps\/expr selects its pods with matchExpressions, which a Service's selector \(key=value pairs\) cannot express/],
    [["daemonset", "agent"], /^error: cannot expose a DaemonSet\.apps: bosun expose works on deployments, replicasets, pods and services$/],
    [["deployment", "missing"], /^Error from server \(NotFound\)/],
  ];
  for (const [args, message] of cases) {
    const r = await run(args);
    assert.equal(r.code, 1, args.join(" "));
    assert.equal(r.out, "");
    assert.equal(r.err.length, 1, r.err.join("\n"));
    assert.match(r.err[0]!, message);
  }
  assert.equal(api.calls.filter((c) => c.method === "POST").length, 0, "nothing was created");

  const daemonSetFile = manifestFile("ds.yaml", "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec: {selector: {matchLabels: {app: a}}}\n");
  assert.deepEqual(await run([], { filenames: [daemonSetFile], dryRun: "client" }), {
    code: 1,
    out: "",
    err: ["error: cannot expose a DaemonSet.apps: bosun expose works on deployments, replicasets, pods and services"],
  });

  await assert.rejects(run(["deployment", "plain", "expr"], { name: "one" }), /--name names one Service, but 2 objects were given/);
  await assert.rejects(run(["deployment"]), /you must specify the name of the object/);
  await assert.rejects(run(["deployment", "web"], { filenames: [manifestFile("w.yaml", webManifest)] }), /either as arguments or with -f, not both/);
});

test("flag values are checked before anything is read: type, port, target port, selector", () => {
  assert.equal(parseServiceType("NodePort"), "NodePort");
  assert.throws(() => parseServiceType("LoadBalancer"), (e: Error) => e instanceof InvalidArgumentError && /ClusterIP, NodePort; Bosun has no load balancers/.test(e.message));
  assert.throws(() => parseServiceType("nodeport"), /Use one of ClusterIP, NodePort \(values are case-sensitive\)/);
  assert.throws(() => parseServiceType("Bad"), { message: "Use one of ClusterIP, NodePort." });
  assert.equal(parsePort("80"), 80);
  for (const bad of ["0", "65536", "http", "8o"]) assert.throws(() => parsePort(bad), /a port is a number from 1 to 65535/, bad);
  assert.equal(parseTargetPort("8080"), 8080);
  assert.equal(parseTargetPort("http"), "http");
  assert.throws(() => parseTargetPort("no_such"), /a target port is a number from 1 to 65535 or a container port's name/);
  assert.deepEqual(parseLabelMap("app=web,tier==front"), { app: "web", tier: "front" });
  assert.throws(() => parseLabelMap("app in (web)"), /only key=value pairs are allowed here/);
  assert.throws(() => parseLabelMap("app!=web"), /only key=value pairs/);
  assert.throws(() => parseLabelMap("a b=c"), /key=value pairs separated by commas/);
});

test("the bosun binary: expose -f with --dry-run=client -o json, and a bad --type exits 1 naming the allowed types", async () => {
  const file = manifestFile("web.yaml", webManifest);
  const ok = await cli.run(["expose", "-f", file, "--port", "80", "--target-port", "8080", "--dry-run=client", "-o", "json"]);
  assert.equal(ok.code, 0, ok.stderr);
  const svc = JSON.parse(ok.stdout) as Service;
  assert.equal(svc.metadata.name, "web");
  assert.deepEqual(svc.spec?.ports, [{ port: 80, protocol: "TCP", targetPort: 8080 }]);

  const bad = await cli.run(["expose", "-f", file, "--type=LoadBalancer"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /option '--type <type>' argument 'LoadBalancer' is invalid\. Use one of ClusterIP, NodePort; Bosun has no load balancers/);
  assert.equal(cli.api.calls.length, 0, "nothing was sent");
});
