// The real kubectl 1.33 and 1.27, and the bosun CLI, working with Services on a
// one-agent cluster: expose a Deployment, list Services, Endpoints, EndpointSlices,
// Ingresses and NetworkPolicies, describe a Service with its endpoints, create
// Services with `kubectl create service`, and port-forward to a Service. The
// kubectl-services rows of docs/compatibility.md are checked at the end.
import http from "node:http";
import assert from "node:assert/strict";
import { describe } from "node:test";
import { mustResource, serviceNameLabel, type EndpointSlice, type Endpoints, type Ingress, type NetworkPolicy, type Pod, type Service } from "@bosun/api";
import { ApiError } from "@bosun/client";
import {
  deploymentManifest,
  deployments,
  e2eTest,
  expectSuccess,
  parseTable,
  shContainer,
  useCluster,
  waitForServingPods,
  type Cluster,
  type Row,
} from "../src/index.js";
import { Compatibility, runAll, works } from "../src/compatibility.js";
import { KUBECTL_VERSIONS, useKubectls, type KubectlVersion } from "../src/kubectl.js";
import { freePort } from "../src/ports.js";

const services = mustResource("services");
const endpoints = mustResource("endpoints");
const endpointSlices = mustResource("endpointslices");
const ingresses = mustResource("ingresses");
const networkPolicies = mustResource("networkpolicies");

/** Serves its pod's name (its hostname) on 8080. */
const HOSTNAME_SERVER = "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www";
const replicas = 2;

/** One Deployment per client, so each exposes its own under the name kubectl gives the Service. */
const deploymentFor = (who: KubectlVersion | "bosun") => `web-${who === "bosun" ? "bosun" : who.replace(".", "")}`;

/** Each Deployment's serving pods, made once for the suite; an Ingress and a NetworkPolicy for the listings. */
function useFixtures(cluster: () => Cluster): () => Promise<Map<string, Pod[]>> {
  let made: Promise<Map<string, Pod[]>> | undefined;
  return () => {
    made ??= (async () => {
      const cl = cluster();
      const names = [...KUBECTL_VERSIONS, "bosun" as const].map(deploymentFor);
      for (const name of names) {
        const container = shContainer("web", HOSTNAME_SERVER, { ports: [{ name: "http", containerPort: 8080 }] });
        await cl.client.create(deployments, deploymentManifest(name, { replicas, container }));
      }
      await cl.client.create<Ingress>(ingresses, {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: "site", namespace: "default" },
        spec: { ingressClassName: "bosun", defaultBackend: { service: { name: deploymentFor("bosun"), port: { number: 80 } } } },
      });
      // Selects no pod, so it changes no traffic.
      await cl.client.create<NetworkPolicy>(networkPolicies, {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "selects-nothing", namespace: "default" },
        spec: { podSelector: { matchLabels: { app: "nothing" } }, policyTypes: ["Ingress"] },
      });
      const pods = new Map<string, Pod[]>();
      for (const name of names) pods.set(name, await waitForServingPods(cl, `app=${name}`, replicas));
      return pods;
    })();
    return made;
  };
}

/** "10.244.0.5:8080" for each pod, sorted. */
function podEndpoints(pods: readonly Pod[], port: number): string[] {
  return pods.map((p) => `${p.status?.podIP ?? "?"}:${port}`).sort();
}

/** Waits until the Service's Endpoints and EndpointSlices both list every pod as ready. */
async function waitForReadyEndpoints(cluster: Cluster, name: string, pods: readonly Pod[]): Promise<void> {
  const want = podEndpoints(pods, 8080);
  await cluster.waitFor(
    async (note) => {
      const ep = await cluster.client.get<Endpoints>(endpoints, name, "default").catch(() => undefined);
      const fromEndpoints = (ep?.subsets ?? []).flatMap((s) => (s.addresses ?? []).flatMap((a) => (s.ports ?? []).map((p) => `${a.ip}:${p.port}`))).sort();
      const slices = await cluster.client.list<EndpointSlice>(endpointSlices, { namespace: "default", labelSelector: `${serviceNameLabel}=${name}` });
      const fromSlices = slices.items
        .flatMap((s) => s.endpoints.filter((e) => e.conditions?.ready !== false).flatMap((e) => (s.ports ?? []).map((p) => `${e.addresses[0]}:${p.port}`)))
        .sort();
      note({ fromEndpoints, fromSlices });
      return JSON.stringify(fromEndpoints) === JSON.stringify(want) && JSON.stringify(fromSlices) === JSON.stringify(want);
    },
    { timeoutMs: 60_000, what: `Endpoints and EndpointSlices of ${name} listing ${want.join(",")}`, intervalMs: 500 },
  );
}

async function notFound(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return false;
  } catch (err) {
    return err instanceof ApiError && err.code === 404;
  }
}

/** The row of a `kubectl get` table of several kinds whose NAME is `kind/name`. */
function rowNamed(text: string, qualifiedName: string): Row {
  const row = text
    .split("\n\n")
    .flatMap((table) => parseTable(table))
    .find((r) => r.NAME === qualifiedName);
  assert.ok(row, `a row ${qualifiedName} in:\n${text}`);
  return row;
}

/**
 * A Service's cluster IP was allocated from the cluster's --service-cluster-ip-range:
 * the e2e clusters use a /16 whose first address is the `kubernetes` Service's.
 */
async function assertClusterIP(cluster: Cluster, ip: string | undefined): Promise<void> {
  const first = (await cluster.client.get<Service>(services, "kubernetes", "default")).spec?.clusterIP ?? "";
  const range = first.split(".").slice(0, 2).join(".");
  assert.match(ip ?? "", /^\d+\.\d+\.\d+\.\d+$/, `an IPv4 cluster IP, not ${ip}`);
  assert.ok(ip!.startsWith(`${range}.`) && ip !== first, `cluster IP ${ip} allocated from ${range}.0.0/16`);
}

/** The body of a GET made on a connection of its own (fetch would reuse one), failing on anything but 200. */
function getOnNewConnection(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: ${res.statusCode} ${body}`))));
      })
      .on("error", reject);
  });
}

function assertNodePort(port: number | undefined): void {
  assert.ok(port !== undefined && port >= 30000 && port <= 32767, `node port ${port} in 30000-32767`);
}

describe("kubectl and bosun with Services", () => {
  const c = useCluster({ agents: [{ name: "a" }] });
  const kubectl = useKubectls(c);
  const ready = useFixtures(c);
  const compat = new Compatibility("kubectl-services");

  for (const v of KUBECTL_VERSIONS) {
    e2eTest(`kubectl ${v}: expose a Deployment, list and describe its Service with its endpoints, port-forward to it`, c, async (cl) => {
      const k = await kubectl(v);
      const name = deploymentFor(v);
      const pods = (await ready()).get(name)!;
      await runAll([
        () =>
          compat.kubectl("`expose`", v, async () => {
            assert.equal(await k.ok(["expose", "deployment", name, "--port", "80", "--target-port", "8080"]), `service/${name} exposed\n`);
            const svc = await cl.client.get<Service>(services, name, "default");
            assert.equal(svc.spec?.type, "ClusterIP");
            assert.deepEqual(svc.spec?.selector, { app: name });
            assert.deepEqual(svc.spec?.ports, [{ port: 80, protocol: "TCP", targetPort: 8080 }]);
            assert.deepEqual(svc.metadata.labels, { app: name }, "the Deployment's labels");
            await assertClusterIP(cl, svc.spec?.clusterIP);

            const np = `${name}-np`;
            assert.equal(await k.ok(["expose", "deployment", name, "--port", "80", "--target-port", "http", "--type", "NodePort", "--name", np]), `service/${np} exposed\n`);
            const nodePort = await cl.client.get<Service>(services, np, "default");
            assert.equal(nodePort.spec?.type, "NodePort");
            assert.equal(nodePort.spec?.ports?.[0]?.targetPort, "http");
            assertNodePort(nodePort.spec?.ports?.[0]?.nodePort);

            // The name is taken now: exposing again is refused by the server.
            const again = await k.expectExit(1, ["expose", "deployment", name, "--port", "80"]);
            assert.match(again.stderr, new RegExp(`AlreadyExists.*services "${name}" already exists`), again.stderr);
          }),
        () =>
          compat.kubectl("`get svc,ep,endpointslices,ing,netpol`", v, async () => {
            await waitForReadyEndpoints(cl, name, pods);
            const svc = await cl.client.get<Service>(services, name, "default");
            const wide = await k.ok(["get", "svc,ep", "-o", "wide"]);
            const svcRow = rowNamed(wide, `service/${name}`);
            assert.deepEqual(
              { type: svcRow.TYPE, ip: svcRow["CLUSTER-IP"], external: svcRow["EXTERNAL-IP"], ports: svcRow["PORT(S)"], selector: svcRow.SELECTOR },
              { type: "ClusterIP", ip: svc.spec?.clusterIP, external: "<none>", ports: "80/TCP", selector: `app=${name}` },
            );
            const nodePort = await cl.client.get<Service>(services, `${name}-np`, "default");
            assert.equal(rowNamed(wide, `service/${name}-np`)["PORT(S)"], `80:${nodePort.spec?.ports?.[0]?.nodePort}/TCP`);
            assert.deepEqual(rowNamed(wide, `endpoints/${name}`).ENDPOINTS!.split(",").sort(), podEndpoints(pods, 8080));

            const others = await k.ok(["get", "endpointslices,ing,netpol", "-o", "wide"]);
            const slices = others
              .split("\n\n")
              .flatMap((t) => parseTable(t))
              .filter((r) => r.NAME!.startsWith(`endpointslice.discovery.k8s.io/${name}-`) && !r.NAME!.startsWith(`endpointslice.discovery.k8s.io/${name}-np-`));
            assert.equal(slices.length, 1, others);
            assert.deepEqual({ type: slices[0]!.ADDRESSTYPE, ports: slices[0]!.PORTS }, { type: "IPv4", ports: "8080" });
            assert.deepEqual(slices[0]!.ENDPOINTS!.split(",").sort(), pods.map((p) => p.status!.podIP!).sort());
            // NAME, CLASS, HOSTS, ADDRESS (empty: no node runs the ingress proxy here), PORTS, AGE.
            assert.match(others, /^ingress\.networking\.k8s\.io\/site +bosun +\* +80 +\S+$/m, others);
            assert.equal(rowNamed(others, "networkpolicy.networking.k8s.io/selects-nothing")["POD-SELECTOR"], "app=nothing");
          }),
        () =>
          compat.kubectl("`describe svc`", v, async () => {
            await waitForReadyEndpoints(cl, name, pods);
            const svc = await cl.client.get<Service>(services, name, "default");
            const text = await k.ok(["describe", "svc", name]);
            for (const line of [`Name: +${name}`, `Selector: +app=${name}`, "Type: +ClusterIP", `IP: +${svc.spec?.clusterIP}`, "Port: +<unset> +80/TCP", "TargetPort: +8080/TCP", "Session Affinity: +None"]) {
              assert.match(text, new RegExp(`^${line}$`, "m"), text);
            }
            // 1.27 reads the Endpoints object, 1.33 the EndpointSlices: both show every ready pod.
            const listed = /^Endpoints: +(.+)$/m.exec(text)?.[1];
            assert.deepEqual(listed?.split(",").sort(), podEndpoints(pods, 8080), text);
          }),
        () =>
          compat.kubectl("`port-forward svc/NAME`", v, async () => {
            await waitForReadyEndpoints(cl, name, pods);
            const local = await freePort();
            const pf = k.stream(["port-forward", `svc/${name}`, `${local}:80`]);
            try {
              // kubectl picks one of the Service's pods and forwards to its target port.
              await pf.waitForOutput((s) => s.includes(`Forwarding from 127.0.0.1:${local} -> 8080`), "that it forwards to the target port", 30_000);
              const res = await fetch(`http://127.0.0.1:${local}/`);
              assert.equal(res.status, 200);
              const served = (await res.text()).trim();
              assert.ok(pods.some((p) => p.metadata.name === served), `answered by a pod of ${name}, not "${served}"`);
            } finally {
              await pf.stop();
            }
          }),
      ]);
    });

    e2eTest(`kubectl ${v}: create service clusterip and nodeport`, c, async (cl) => {
      const k = await kubectl(v);
      await compat.kubectl("`create service clusterip`, `create service nodeport`", v, async () => {
        const clusterIP = `made-${k.suffix}`;
        const nodePort = `made-np-${k.suffix}`;
        // kubectl 1.32 and later send these as protobuf, up to 1.31 as JSON: both work.
        const made = await k.run(["create", "service", "clusterip", clusterIP, "--tcp=80:8080"]);
        const madeNodePort = await k.run(["create", "service", "nodeport", nodePort, "--tcp=80:8080"]);
        assert.equal(expectSuccess("create service clusterip", made).stdout, `service/${clusterIP} created\n`);
        assert.equal(expectSuccess("create service nodeport", madeNodePort).stdout, `service/${nodePort} created\n`);
        const a = await cl.client.get<Service>(services, clusterIP, "default");
        assert.equal(a.spec?.type, "ClusterIP");
        assert.deepEqual(a.spec?.selector, { app: clusterIP });
        assert.deepEqual(a.spec?.ports, [{ name: "80-8080", port: 80, protocol: "TCP", targetPort: 8080 }]);
        await assertClusterIP(cl, a.spec?.clusterIP);
        const b = await cl.client.get<Service>(services, nodePort, "default");
        assert.equal(b.spec?.type, "NodePort");
        assertNodePort(b.spec?.ports?.[0]?.nodePort);
        return works;
      });
    });
  }

  e2eTest("bosun expose, describe svc|ingress|netpol, port-forward svc/NAME and get svc,ep,endpointslices,ing,netpol", c, async (cl) => {
    const name = deploymentFor("bosun");
    const pods = (await ready()).get(name)!;
    const bosun = async (args: string[]) => expectSuccess(`bosun ${args.join(" ")}`, await cl.bosun(args)).stdout;

    assert.equal(await bosun(["expose", "deployment", name, "--port", "80", "--target-port", "8080", "--dry-run=server", "-o", "name"]), `service/${name}\n`);
    assert.ok(await notFound(() => cl.client.get(services, name, "default")), "a server dry run stores nothing");
    assert.equal(await bosun(["expose", "deployment", name, "--port", "80", "--target-port", "8080"]), `service/${name} exposed\n`);
    const svc = await cl.client.get<Service>(services, name, "default");
    assert.deepEqual(svc.spec?.selector, { app: name });
    assert.deepEqual(svc.spec?.ports, [{ port: 80, protocol: "TCP", targetPort: 8080 }]);
    await assertClusterIP(cl, svc.spec?.clusterIP);
    // Without --port, the one container port.
    assert.equal(await bosun(["expose", "deploy", name, "--name", `${name}-np`, "--type", "NodePort"]), `service/${name}-np exposed\n`);
    const np = await cl.client.get<Service>(services, `${name}-np`, "default");
    assert.deepEqual(np.spec?.ports?.map((p) => [p.port, p.targetPort]), [[8080, 8080]]);
    assertNodePort(np.spec?.ports?.[0]?.nodePort);

    const missing = await cl.bosun(["expose", "deployment", "nope", "--port", "80"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Error from server \(NotFound\).*deployments\.apps "nope" not found/);
    const badType = await cl.bosun(["expose", "deployment", name, "--type", "LoadBalancer"]);
    assert.equal(badType.code, 1);
    assert.match(badType.stderr, /Use one of ClusterIP, NodePort; Bosun has no load balancers/);

    await waitForReadyEndpoints(cl, name, pods);
    const described = await bosun(["describe", "svc", name]);
    assert.deepEqual(/^Endpoints: +(.+)$/m.exec(described)?.[1]?.split(",").sort(), podEndpoints(pods, 8080), described);
    // Line for line what kubectl 1.33 prints for the same Service.
    assert.equal(described, await (await kubectl("1.33")).ok(["describe", "svc", name]));

    const ingress = await bosun(["describe", "ingress", "site"]);
    const backend = /^Default backend: +(.+)$/m.exec(ingress)?.[1];
    assert.match(backend ?? "", new RegExp(`^${name}:80 \\(.+\\)$`), ingress);
    assert.deepEqual(/\((.+)\)/.exec(backend!)?.[1]?.split(",").sort(), podEndpoints(pods, 8080));
    assert.equal(ingress, await (await kubectl("1.33")).ok(["describe", "ingress", "site"]), "the Ingress as kubectl 1.33 describes it");
    assert.equal(await bosun(["describe", "netpol", "selects-nothing"]), await (await kubectl("1.33")).ok(["describe", "netpol", "selects-nothing"]));

    // port-forward to the Service: its port 80 is the pods' 8080, through one of them.
    const local = await freePort();
    const pf = cl.bosunStream(["port-forward", `svc/${name}`, `${local}:80`]);
    try {
      await pf.waitForOutput((s) => s.includes(`Forwarding from 127.0.0.1:${local} -> 8080`), "that it forwards to the target port", 30_000);
      // Three requests on three connections: each is a connection of its own into the pod.
      for (let i = 0; i < 3; i++) {
        const served = (await getOnNewConnection(`http://127.0.0.1:${local}/`)).trim();
        assert.ok(pods.some((p) => p.metadata.name === served), `answered by a pod of ${name}, not "${served}"`);
      }
      await pf.waitForOutput((s) => s.split(`Handling connection for ${local}`).length > 3, "a line per connection", 5_000);
    } finally {
      await pf.stop();
    }
    const noPort = await cl.bosun(["port-forward", `svc/${name}`, "81"]);
    assert.equal(noPort.code, 1);
    assert.match(noPort.stderr, new RegExp(`Service ${name} does not have a service port 81`));

    const listed = await bosun(["get", "svc,ep,endpointslices,ing,netpol"]);
    assert.equal(rowNamed(listed, `service/${name}`)["CLUSTER-IP"], svc.spec?.clusterIP);
    assert.deepEqual(rowNamed(listed, `endpoints/${name}`).ENDPOINTS!.split(",").sort(), podEndpoints(pods, 8080));
    assert.ok(listed.includes("endpointslice.discovery.k8s.io/"), listed);
    assert.equal(rowNamed(listed, "ingress.networking.k8s.io/site").CLASS, "bosun");
    assert.equal(rowNamed(listed, "networkpolicy.networking.k8s.io/selects-nothing")["POD-SELECTOR"], "app=nothing");
  });

  compat.documentTest();
});
