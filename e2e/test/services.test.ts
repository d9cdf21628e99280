// Services on one host with two agents, as pods see them: a ClusterIP Service reached
// by its short name through the node's DNS spreads requests over every backend on both
// nodes; a NodePort answers at the node's address; a headless Service resolves to its
// pods and a pod with hostname and subdomain gets its own name; an ExternalName is a
// CNAME; an unknown name is NXDOMAIN. A backend failing readiness leaves the
// endpoints; ClientIP affinity holds; an agent restart does not cut service traffic
// and rules deleted by hand come back. kubectl prints Services, Endpoints and
// EndpointSlices with Kubernetes' columns.
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { describe } from "node:test";
import { mustResource, type Endpoints, type KubeObject, type Service } from "@bosun/api";
import { createCertificateAuthority, signCertificate } from "@bosun/pki";
import {
  deploymentManifest,
  deployments,
  e2eTest,
  exec,
  expectSuccess,
  podManifest,
  pods,
  shContainer,
  useCluster,
  waitForRunning,
  waitForServingPods,
  type Cluster,
} from "../src/index.js";

const services = mustResource("services");
const endpoints = mustResource("endpoints");

/** Serves its pod's hostname on 8080. */
const HOSTNAME_SERVER = "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www";

function service(name: string, spec: Service["spec"]): Service {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec };
}

async function waitForEndpoints(cluster: Cluster, name: string, count: number): Promise<Endpoints> {
  return cluster.waitFor(
    async (note) => {
      const ep = await cluster.client.get<Endpoints>(endpoints, name, "default").catch(() => undefined);
      const ready = (ep?.subsets ?? []).flatMap((s) => s.addresses ?? []);
      note(ready.map((a) => a.ip));
      return ready.length === count ? ep : undefined;
    },
    { timeoutMs: 60_000, what: `${count} ready endpoints of Service ${name}`, intervalMs: 500 },
  );
}

/** Runs a shell script in the client pod; its stdout. */
async function inClient(cluster: Cluster, script: string): Promise<string> {
  return expectSuccess(`in the client pod: ${script}`, await cluster.kubectl(["exec", "client", "--", "sh", "-c", script])).stdout;
}

describe("Services and cluster DNS", () => {
  const c = useCluster({ agents: [{ name: "a", ingress: true }, { name: "b" }] });

  e2eTest("a ClusterIP Service reached by its short name spreads requests over all its backends on both nodes", c, async () => {
    const cl = c();
    await cl.client.create(deployments, deploymentManifest("web", { replicas: 3, container: shContainer("web", HOSTNAME_SERVER, { ports: [{ name: "http", containerPort: 8080 }] }) }));
    const web = await cl.client.create<Service>(services, service("web", { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] }));
    const backends = await waitForServingPods(cl, "app=web", 3);
    assert.ok(new Set(backends.map((p) => p.spec.nodeName)).size === 2, "the backends run on both nodes");
    await waitForEndpoints(cl, "web", 3);
    await cl.client.create(pods, podManifest("client", [shContainer("sh", "trap 'exit 0' TERM; while true; do sleep 1; done")], { nodeName: cl.nodeName("b"), terminationGracePeriodSeconds: 1 }));
    await waitForRunning(cl, "client");

    const resolv = await inClient(cl, "cat /etc/resolv.conf");
    assert.match(resolv, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/m);
    assert.match(resolv, /^options ndots:5$/m);
    const lookup = await inClient(cl, "nslookup web.default.svc.cluster.local");
    assert.match(lookup, new RegExp(`Address:\\s+${web.spec?.clusterIP?.replaceAll(".", "\\.")}`));

    const answers = await inClient(cl, "for i in $(seq 60); do timeout 5 wget -qO- http://web || echo FAILED; done");
    const seen = new Set(answers.trim().split("\n"));
    assert.ok(!seen.has("FAILED"), `every request answered:\n${answers}`);
    assert.deepEqual([...seen].sort(), backends.map((p) => p.metadata.name).sort(), "all 3 backends answered");
  });

  e2eTest("a NodePort answers at the node's address, from the host and from a pod", c, async () => {
    const cl = c();
    const np = await cl.client.create<Service>(services, service("web-np", { type: "NodePort", selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] }));
    const nodePort = np.spec?.ports?.[0]?.nodePort;
    assert.ok(nodePort && nodePort >= 30000 && nodePort <= 32767);
    const nodes = await cl.client.list<{ apiVersion: string; kind: string; metadata: object; status?: { addresses?: { type: string; address: string }[] } }>(mustResource("nodes"));
    const address = nodes.items[0]?.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
    assert.ok(address);
    await waitForEndpoints(cl, "web-np", 3);
    const fromHost = await cl.waitFor(async () => {
      const res = await fetch(`http://${address}:${nodePort}/`).catch(() => undefined);
      return res?.ok ? res.text() : undefined;
    }, { timeoutMs: 30_000, what: `an answer at ${address}:${nodePort}`, intervalMs: 500 });
    assert.match(fromHost, /^web-/);
    assert.match(await inClient(cl, `timeout 5 wget -qO- http://${address}:${nodePort}/`), /^web-/);
  });

  e2eTest("a headless Service resolves to its pods; a pod with hostname and subdomain gets its own name; ExternalName is a CNAME", c, async () => {
    const cl = c();
    await cl.client.create(services, service("db", { clusterIP: "None", selector: { "e2e.bosun.io/pod": "db-0" }, ports: [{ name: "pg", port: 5432 }] }));
    await cl.client.create(pods, podManifest("db-0", [shContainer("db", "trap 'exit 0' TERM; while true; do sleep 1; done")], { hostname: "db-0", subdomain: "db", terminationGracePeriodSeconds: 1 }));
    const db = await waitForRunning(cl, "db-0");
    await waitForEndpoints(cl, "db", 1);
    const ip = db.status?.podIP ?? "";
    assert.match(await inClient(cl, "nslookup db.default.svc.cluster.local"), new RegExp(`Address:\\s+${ip.replaceAll(".", "\\.")}`));
    assert.match(await inClient(cl, "nslookup db-0.db.default.svc.cluster.local"), new RegExp(`Address:\\s+${ip.replaceAll(".", "\\.")}`));
    assert.match(await inClient(cl, "nslookup -type=SRV _pg._tcp.db.default.svc.cluster.local"), /5432 db-0\.db\.default\.svc\.cluster\.local/);

    await cl.client.create(services, service("alias", { type: "ExternalName", externalName: "web.default.svc.cluster.local" }));
    assert.match(await inClient(cl, "nslookup alias.default.svc.cluster.local"), /canonical name = web\.default\.svc\.cluster\.local/);

    const missing = await cl.kubectl(["exec", "client", "--", "nslookup", "nothing-here.default.svc.cluster.local"]);
    assert.notEqual(missing.code, 0, "an unknown name is not found");
    assert.match(missing.stdout + missing.stderr, /NXDOMAIN/);
  });

  e2eTest("a backend failing readiness leaves the endpoints and gets no requests; ClientIP affinity keeps a client on one backend", c, async () => {
    const cl = c();
    // Ready while /www/ready exists: the test takes one backend out by removing it.
    const readyServer = "mkdir -p /www && hostname > /www/index.html && touch /www/ready && exec httpd -f -p 8080 -h /www";
    await cl.client.create(
      deployments,
      deploymentManifest("gated", {
        replicas: 2,
        container: shContainer("web", readyServer, { readinessProbe: { exec: { command: ["test", "-e", "/www/ready"] }, periodSeconds: 1, failureThreshold: 1 } }),
      }),
    );
    await cl.client.create(services, service("gated", { selector: { app: "gated" }, ports: [{ port: 80, targetPort: 8080 }] }));
    const [out, stays] = await waitForServingPods(cl, "app=gated", 2);
    await waitForEndpoints(cl, "gated", 2);
    expectSuccess("take a backend out", await cl.kubectl(["exec", out!.metadata.name!, "--", "rm", "/www/ready"]));
    await waitForEndpoints(cl, "gated", 1);
    const answers = await cl.waitFor(
      async () => {
        const r = await inClient(cl, "for i in $(seq 20); do timeout 5 wget -qO- http://gated || echo FAILED; done");
        return new Set(r.trim().split("\n")).size === 1 ? r : undefined;
      },
      { timeoutMs: 30_000, what: "every request answered by the ready backend", intervalMs: 1000 },
    );
    assert.deepEqual([...new Set(answers.trim().split("\n"))], [stays!.metadata.name]);
    expectSuccess("bring it back", await cl.kubectl(["exec", out!.metadata.name!, "--", "touch", "/www/ready"]));
    await waitForEndpoints(cl, "gated", 2);

    await cl.client.create(services, service("sticky", { selector: { app: "gated" }, sessionAffinity: "ClientIP", ports: [{ port: 80, targetPort: 8080 }] }));
    await waitForEndpoints(cl, "sticky", 2);
    // Both agents of this one host program its nat table, each with affinity lists of its
    // own: measure once every request is answered, when both have the Service.
    await cl.waitFor(
      async () => ((await inClient(cl, "for i in $(seq 10); do timeout 5 wget -qO- http://sticky || echo FAILED; done")).includes("FAILED") ? undefined : true),
      { timeoutMs: 30_000, what: "the sticky Service answering every request", intervalMs: 1000 },
    );
    // Twenty requests in a row on one backend: without affinity, two backends would give
    // that once in half a million tries. It is asked for until it holds, because the two
    // agents' rules take turns in front when one of them syncs again, and each
    // starts its own affinity list.
    await cl.waitFor(
      async (note) => {
        const answers = (await inClient(cl, "for i in $(seq 20); do timeout 5 wget -qO- http://sticky || echo FAILED; done")).trim().split("\n");
        note(answers);
        return new Set(answers).size === 1 && answers[0] !== "FAILED" ? true : undefined;
      },
      { timeoutMs: 60_000, what: "twenty requests in a row answered by one backend", intervalMs: 1000 },
    );
  });

  e2eTest("an agent restart does not interrupt service traffic; service rules deleted by hand come back", c, async () => {
    const cl = c();
    // Requests every 0.1 s from the client on node b to the Service's cluster IP while
    // b's agent restarts: the rules stay in the kernel. (Names are not looked up here:
    // the node's DNS server is part of the agent and pauses while it restarts.)
    const web = await cl.client.get<Service>(services, "web", "default");
    await inClient(cl, `rm -f /tmp/during; (for i in $(seq 100); do if timeout 3 wget -qO- http://${web.spec?.clusterIP}/ >/dev/null; then echo ok; else echo FAILED; fi; sleep 0.1; done > /tmp/during 2>&1) >/dev/null 2>&1 &`);
    await cl.restartAgent("b");
    const during = await cl.waitFor(
      async () => {
        const r = await cl.kubectl(["exec", "client", "--", "cat", "/tmp/during"]);
        return r.code === 0 && r.stdout.trim().split("\n").length >= 100 ? r.stdout : undefined;
      },
      { timeoutMs: 90_000, what: "100 requests made across the agent restart", intervalMs: 1000 },
    );
    assert.ok(!during.includes("FAILED"), `every request during the restart was answered:\n${during}`);
    assert.match(await inClient(cl, "timeout 5 wget -qO- http://web"), /^web-/, "and names resolve again once the agent is back");
    const saved = expectSuccess("iptables-save", await exec("iptables-save", ["-t", "nat"]));
    // Node b's chains, found by the comment on the jump into its services chain.
    const prefix = new RegExp(`--comment "bosun service proxy of node ${cl.nodeName("b")}" -j (BOSUN-[0-9a-f]{6}-)SERVICES`).exec(saved.stdout)?.[1];
    assert.ok(prefix, "node b's service proxy chains are there");
    const svcChain = new RegExp(`^:(${prefix}SVC-\\S+)`, "m").exec(saved.stdout)?.[1];
    assert.ok(svcChain, "a service chain of node b is there");
    expectSuccess("flush it by hand", await exec("iptables", ["-t", "nat", "-F", svcChain]));
    await cl.waitFor(
      async () => {
        const now = await exec("iptables-save", ["-t", "nat"]);
        return now.stdout.includes(`-A ${svcChain} `) ? true : undefined;
      },
      { timeoutMs: 45_000, what: `the rules of ${svcChain} back within the 30 s resync`, intervalMs: 1000 },
    );
  });

  e2eTest("NetworkPolicy: default-deny ingress blocks a client on another node, a rule by pod label lets a friend in, egress deny blocks names too", c, async () => {
    const cl = c();
    const namespaces = mustResource("namespaces");
    const policies = mustResource("networkpolicies");
    await cl.client.create(namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: "secure" } });
    const inSecure = (name: string, labels: Record<string, string>, script: string, node: string) => ({
      ...podManifest(name, [shContainer("main", script)], { nodeName: cl.nodeName(node), terminationGracePeriodSeconds: 1 }),
      metadata: { name, namespace: "secure", labels },
    });
    await cl.client.create(pods, inSecure("guarded", { app: "guarded" }, "mkdir -p /www && echo guarded > /www/index.html && exec httpd -f -p 8080 -h /www", "a"));
    await cl.client.create(pods, inSecure("friend", { role: "friend" }, "trap 'exit 0' TERM; while true; do sleep 1; done", "b"));
    const guarded = await waitForRunning(cl, "guarded", undefined, "secure");
    await waitForRunning(cl, "friend", undefined, "secure");
    const url = `http://${guarded.status?.podIP}:8080/`;
    const fetchFrom = async (pod: string, ns: string, target: string) =>
      (await cl.kubectl(["exec", "-n", ns, pod, "--", "sh", "-c", `timeout 3 wget -qO- ${target} || echo BLOCKED`])).stdout.trim();
    assert.equal(await fetchFrom("client", "default", url), "guarded", "open before any policy");

    await cl.client.create(policies, { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "deny-ingress", namespace: "secure" }, spec: { podSelector: {}, policyTypes: ["Ingress"] } });
    await cl.waitFor(async () => ((await fetchFrom("client", "default", url)) === "BLOCKED" ? true : undefined), { timeoutMs: 30_000, what: "the client blocked by default-deny", intervalMs: 1000 });
    assert.equal(await fetchFrom("friend", "secure", url), "BLOCKED", "a pod of the same namespace is denied too");

    await cl.client.create(policies, {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "let-friends-in", namespace: "secure" },
      spec: { podSelector: { matchLabels: { app: "guarded" } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: "friend" } } }], ports: [{ port: 8080 }] }] },
    });
    await cl.waitFor(async () => ((await fetchFrom("friend", "secure", url)) === "guarded" ? true : undefined), { timeoutMs: 30_000, what: "the friend let in", intervalMs: 1000 });
    assert.equal(await fetchFrom("client", "default", url), "BLOCKED", "the client in another namespace stays out");

    assert.match(await fetchFrom("friend", "secure", "http://web.default.svc.cluster.local/"), /^web-/, "the friend reaches a Service by name before egress is denied");
    await cl.client.create(policies, { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "deny-egress", namespace: "secure" }, spec: { podSelector: { matchLabels: { role: "friend" } }, policyTypes: ["Egress"] } });
    await cl.waitFor(async () => ((await fetchFrom("friend", "secure", "http://web.default.svc.cluster.local/")) === "BLOCKED" ? true : undefined), {
      timeoutMs: 30_000,
      what: "the friend's egress denied, names included",
      intervalMs: 1000,
    });
  });

  e2eTest("Ingress: two hosts and two paths route to two Services; no match is a 404", c, async () => {
    const cl = c();
    await cl.client.create(pods, { ...podManifest("alt", [shContainer("web", "mkdir -p /www/alt && echo alt > /www/alt/index.html && exec httpd -f -p 8080 -h /www")], { terminationGracePeriodSeconds: 1 }), metadata: { name: "alt", namespace: "default", labels: { app: "alt" } } });
    await cl.client.create(services, service("alt", { selector: { app: "alt" }, ports: [{ port: 80, targetPort: 8080 }] }));
    await waitForRunning(cl, "alt");
    await waitForEndpoints(cl, "alt", 1);
    await cl.client.create(mustResource("ingresses"), {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "site", namespace: "default" },
      spec: {
        rules: [
          { host: "web.example", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } },
          { host: "alt.example", http: { paths: [{ path: "/alt", pathType: "Prefix", backend: { service: { name: "alt", port: { number: 80 } } } }] } },
        ],
      },
    });
    const port = cl.ingressPort("a");
    const get = (host: string, path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
          let body = "";
          res.setEncoding("utf8").on("data", (d: string) => (body += d)).on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("error", reject);
        req.end();
      });
    const web = await cl.waitFor(async () => {
      const r = await get("web.example", "/").catch(() => undefined);
      return r?.status === 200 ? r : undefined;
    }, { timeoutMs: 30_000, what: "web.example served through the ingress proxy", intervalMs: 500 });
    assert.match(web.body, /^web-/);
    const alt = await get("alt.example", "/alt/");
    assert.equal(alt.status, 200);
    assert.equal(alt.body.trim(), "alt");
    assert.equal((await get("alt.example", "/elsewhere")).status, 404, "a path no rule matches");
    assert.equal((await get("nobody.example", "/")).status, 404, "a host no rule names");
    // Where it is served: the node whose agent runs the ingress proxy, as kubectl shows ADDRESS.
    const nodeA = (await cl.client.get<{ apiVersion: string; kind: string; metadata: object; status?: { addresses?: { type: string; address: string }[] } }>(mustResource("nodes"), cl.nodeName("a"))).status?.addresses?.find((a) => a.type === "InternalIP")?.address;
    await cl.waitFor(
      async () => {
        const got = await cl.client.get<{ apiVersion: string; kind: string; metadata: object; status?: { loadBalancer?: { ingress?: { ip?: string }[] } } }>(mustResource("ingresses"), "site", "default");
        return got.status?.loadBalancer?.ingress?.map((i) => i.ip).join(",") === nodeA ? true : undefined;
      },
      { timeoutMs: 30_000, what: `the Ingress's status naming node a (${nodeA})`, intervalMs: 500 },
    );
  });

  e2eTest("Ingress over HTTPS: the certificate of the kubernetes.io/tls Secret the Ingress names, chosen by SNI", c, async () => {
    const cl = c();
    const ca = await createCertificateAuthority("e2e ingress CA");
    const site = await signCertificate(ca, { commonName: "secure.example", sans: ["secure.example"], usages: ["server"], validityMs: 3_600_000 });
    await cl.client.create(mustResource("secrets"), {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "secure-tls", namespace: "default" },
      type: "kubernetes.io/tls",
      data: { "tls.crt": Buffer.from(site.cert).toString("base64"), "tls.key": Buffer.from(site.key).toString("base64") },
    } as KubeObject);
    await cl.client.create(mustResource("ingresses"), {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "secure", namespace: "default" },
      spec: {
        tls: [{ hosts: ["secure.example"], secretName: "secure-tls" }],
        rules: [{ host: "secure.example", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } }],
      },
    } as KubeObject);
    const port = cl.ingressPort("a", "https");
    const get = () =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsRequest({ host: "127.0.0.1", port, path: "/", servername: "secure.example", headers: { host: "secure.example" }, ca: ca.cert }, (res) => {
          let body = "";
          res.setEncoding("utf8").on("data", (d: string) => (body += d)).on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("error", reject);
        req.end();
      });
    // Verified against the test CA: the proxy presented the Secret's certificate for that name.
    const answer = await cl.waitFor(async () => {
      const r = await get().catch(() => undefined);
      return r?.status === 200 ? r : undefined;
    }, { timeoutMs: 30_000, what: "https://secure.example through the ingress proxy, verified", intervalMs: 500 });
    assert.match(answer.body, /^web-/);
  });

  e2eTest("a hostPort is published at the node's address", c, async () => {
    const cl = c();
    await cl.client.create(
      pods,
      podManifest("published", [shContainer("web", "mkdir -p /www && echo published > /www/index.html && exec httpd -f -p 8080 -h /www", { ports: [{ containerPort: 8080, hostPort: 18080 }] })], {
        nodeName: cl.nodeName("a"),
        terminationGracePeriodSeconds: 1,
      }),
    );
    await waitForRunning(cl, "published");
    const nodes = await cl.client.list<{ apiVersion: string; kind: string; metadata: { name?: string }; status?: { addresses?: { type: string; address: string }[] } }>(mustResource("nodes"));
    const address = nodes.items.find((n) => n.metadata.name === cl.nodeName("a"))?.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
    assert.ok(address);
    const body = await cl.waitFor(async () => {
      const res = await fetch(`http://${address}:18080/`).catch(() => undefined);
      return res?.ok ? res.text() : undefined;
    }, { timeoutMs: 30_000, what: `the hostPort at ${address}:18080`, intervalMs: 500 });
    assert.equal(body.trim(), "published");
    await cl.client.delete(pods, "published", { namespace: "default" });
  });

  e2eTest("traffic through a Service during a rollout restart of 3 replicas with readiness probes (the failed-request count is a figure, not an assertion)", c, async () => {
    const cl = c();
    const probe = { httpGet: { path: "/", port: 8080 }, periodSeconds: 1 };
    await cl.client.create(deployments, deploymentManifest("rolling", { replicas: 3, container: shContainer("web", `trap 'exit 0' TERM; ${HOSTNAME_SERVER}`, { readinessProbe: probe }) }));
    await cl.client.create(services, service("rolling", { selector: { app: "rolling" }, ports: [{ port: 80, targetPort: 8080 }] }));
    await waitForServingPods(cl, "app=rolling", 3);
    await waitForEndpoints(cl, "rolling", 3);
    const rolling = await cl.client.get<Service>(services, "rolling", "default");
    await inClient(cl, `rm -f /tmp/rollout; (for i in $(seq 300); do if timeout 3 wget -qO- http://${rolling.spec?.clusterIP}/ >/dev/null; then echo ok; else echo FAILED; fi; sleep 0.05; done > /tmp/rollout 2>&1) >/dev/null 2>&1 &`);
    expectSuccess("kubectl rollout restart", await cl.kubectl(["rollout", "restart", "deployment/rolling"]));
    expectSuccess("kubectl rollout status", await cl.kubectl(["rollout", "status", "deployment/rolling", "--timeout=180s"]));
    const results = await cl.waitFor(
      async () => {
        const out = (await inClient(cl, "cat /tmp/rollout")).trim().split("\n");
        return out.length >= 300 ? out : undefined;
      },
      { timeoutMs: 120_000, what: "300 requests made across the rollout", intervalMs: 1000 },
    );
    const failed = results.filter((l) => l === "FAILED").length;
    assert.equal(results.filter((l) => l === "ok").length + failed, 300, "every request has an outcome");
    process.stderr.write(`[e2e] rollout restart of 3 replicas: ${failed} of 300 requests through the Service failed\n`);
  });

  e2eTest("kubectl prints Services and their endpoints with Kubernetes' columns", c, async () => {
    const cl = c();
    const svc = expectSuccess("kubectl get svc", await cl.kubectl(["get", "svc", "web", "web-np"]));
    assert.match(svc.stdout, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/m);
    assert.match(svc.stdout, /^web\s+ClusterIP\s+\d+\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP\s+/m);
    assert.match(svc.stdout, /^web-np\s+NodePort\s+\S+\s+<none>\s+80:3\d{4}\/TCP\s+/m);
    const ep = expectSuccess("kubectl get ep", await cl.kubectl(["get", "endpoints", "web"]));
    assert.match(ep.stdout, /^web\s+(\d+\.\d+\.\d+\.\d+:8080,?){3}\s+/m);
    const described = expectSuccess("kubectl describe svc", await cl.kubectl(["describe", "svc", "web"]));
    assert.match(described.stdout, /^Endpoints:\s+\S+:8080/m);
    const slices = expectSuccess("kubectl get endpointslices", await cl.kubectl(["get", "endpointslices", "-l", "kubernetes.io/service-name=web"]));
    assert.match(slices.stdout, /^web-\S+\s+IPv4\s+8080\s+/m);
  });
});
