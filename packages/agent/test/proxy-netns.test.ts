// The service proxy on a real kernel, in scratch network namespaces this test makes
// and removes: a "node" with a pod bridge and two "pods" serving HTTP behind it, and
// a "client" outside the node. The proxy writes its rules with the real
// iptables-restore inside the node's namespace; the test reads them back with
// iptables-save and sends traffic through them. Nothing outside the namespaces is
// touched.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes, randomInt } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { LinuxHost } from "../src/index.js";
import { ServiceProxy } from "../src/proxy/proxier.js";
import { planProxyRules } from "../src/proxy/rules.js";
import { removeServiceProxy } from "../src/proxy/cleanup.js";
import { proxyChainNames } from "../src/proxy/names.js";
import { service, slice } from "./support/proxy-objects.js";

const run = promisify(execFile);
const id = randomBytes(3).toString("hex");
const ns = { node: `bosun-test-${id}-pxn`, pod1: `bosun-test-${id}-px1`, pod2: `bosun-test-${id}-px2`, client: `bosun-test-${id}-pxc` };
const b = randomInt(200, 250);
const clusterCidr = `10.${b}.0.0/16`;
const podCidr = `10.${b}.1.0/24`;
const gateway = `10.${b}.1.1`;
const pod1 = `10.${b}.1.2`;
const pod2 = `10.${b}.1.3`;
const nodeIP = "192.168.233.1";
const clientIP = "192.168.233.2";
const vip = (n: number) => `10.96.${b}.${n}`;
const NODE = `proxy-test-${id}`;
const names = proxyChainNames(NODE);
const www = join(tmpdir(), `bosun-proxy-test-${id}`);

async function sh(script: string): Promise<string> {
  const { stdout } = await run("sh", ["-ec", script]);
  return stdout;
}

/**
 * GET a path from address[:port] inside a namespace with busybox nc (busybox's wget
 * crashes on some hosts); the body, or what went wrong.
 */
async function get(from: string, address: string, path = "/"): Promise<{ ok: boolean; text: string }> {
  const [ip, port = "80"] = address.split(":");
  try {
    const { stdout } = await run("sh", ["-c", `printf 'GET ${path} HTTP/1.0\r\n\r\n' | ip netns exec ${from} busybox nc -w 3 ${ip} ${port}`]);
    // A CGI script's own headers end with a bare "\n\n".
    const [head = "", ...rest] = stdout.split(/\r?\n\r?\n/);
    const body = rest.join("\n");
    return head.startsWith("HTTP/1.") && head.includes(" 200 ") ? { ok: true, text: body.trim() } : { ok: false, text: head };
  } catch (err) {
    return { ok: false, text: String((err as { stderr?: string }).stderr ?? err) };
  }
}

const port = (name: string) => ({ name, port: 80, protocol: "TCP" as const, targetPort: 8080 });
const services = () => [
  service("web", { type: "NodePort", clusterIP: vip(10), ports: [{ ...port("http"), nodePort: 30080 }] }),
  service("solo", { clusterIP: vip(11), ports: [port("http")] }),
  service("sticky", { clusterIP: vip(12), sessionAffinity: "ClientIP", ports: [port("http")] }),
  service("empty", { clusterIP: vip(13), ports: [port("http")] }),
  service("local", { type: "NodePort", clusterIP: vip(14), externalTrafficPolicy: "Local", ports: [{ ...port("http"), nodePort: 30081 }] }),
];
const endpoints = (svc: string, ips: string[]) => slice(svc, "a", [{ name: "http", port: 8080, protocol: "TCP" }], ips.map((ip) => ({ ip, node: NODE })));
const slices = (webIPs = [pod1, pod2]) => [endpoints("web", webIPs), endpoints("solo", [pod1]), endpoints("sticky", [pod1, pod2]), endpoints("local", [pod1])];

describe("the service proxy on a real kernel (network namespaces)", { timeout: 60_000 }, () => {
  const servers: ChildProcess[] = [];
  const host = new LinuxHost({ netns: ns.node });
  const proxy = new ServiceProxy({ nodeName: NODE, host });

  before(async () => {
    for (const name of Object.values(ns)) await run("ip", ["netns", "add", name]);
    await sh(`
      ip -n ${ns.node} link set lo up
      ip netns exec ${ns.node} sysctl -qw net.ipv4.ip_forward=1
      ip -n ${ns.node} link add br0 type bridge
      ip -n ${ns.node} addr add ${gateway}/24 dev br0
      ip -n ${ns.node} link set br0 up
      ip -n ${ns.node} link add eth0 type veth peer name eth0 netns ${ns.client}
      ip -n ${ns.node} addr add ${nodeIP}/24 dev eth0
      ip -n ${ns.node} link set eth0 up
      ip -n ${ns.client} addr add ${clientIP}/24 dev eth0
      ip -n ${ns.client} link set eth0 up
      ip -n ${ns.client} link set lo up
      ip -n ${ns.client} route add default via ${nodeIP}
      ip -n ${ns.node} route add default via ${clientIP}
      ip -n ${ns.node} link add veth1 type veth peer name eth0 netns ${ns.pod1}
      ip -n ${ns.node} link add veth2 type veth peer name eth0 netns ${ns.pod2}
    `);
    for (const [pod, ip, veth, name] of [
      [ns.pod1, pod1, "veth1", "pod1"],
      [ns.pod2, pod2, "veth2", "pod2"],
    ] as const) {
      await sh(`
        ip -n ${ns.node} link set ${veth} master br0 up
        ip -n ${ns.node} link set ${veth} type bridge_slave hairpin on
        ip -n ${pod} link set lo up
        ip -n ${pod} addr add ${ip}/24 dev eth0
        ip -n ${pod} link set eth0 up
        ip -n ${pod} route add default via ${gateway}
      `);
      // Each "pod" serves its name, and the address its client came from.
      const dir = join(www, name);
      mkdirSync(join(dir, "cgi-bin"), { recursive: true });
      writeFileSync(join(dir, "index.html"), `${name}\n`);
      // httpd listens on IPv6 too and writes IPv4 clients as [::ffff:a.b.c.d].
      writeFileSync(join(dir, "cgi-bin", "ip"), "#!/bin/sh\necho Content-Type: text/plain\necho\necho $REMOTE_ADDR | tr -d '[]' | sed 's/^::ffff://'\n", { mode: 0o755 });
      servers.push(spawn("ip", ["netns", "exec", pod, "busybox", "httpd", "-f", "-p", "8080", "-h", dir], { stdio: "ignore" }));
    }
    // Something of the host's own, which the proxy must leave alone.
    await sh(`ip netns exec ${ns.node} iptables -t nat -N HOST-OWN && ip netns exec ${ns.node} iptables -t nat -A PREROUTING -p tcp --dport 9999 -j HOST-OWN`);
    for (const ip of [pod1, pod2]) {
      for (let i = 0; i < 50 && !(await get(ns.node, `${ip}:8080`)).ok; i++) await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async () => {
    proxy.stop();
    for (const s of servers) s.kill();
    // Deleting a namespace takes its interfaces and rules with it.
    for (const name of Object.values(ns)) await run("ip", ["netns", "del", name]).catch(() => undefined);
    rmSync(www, { recursive: true, force: true });
  });

  test("writes its rules with iptables-restore; iptables-save shows them; planning again against that changes nothing", async () => {
    proxy.setServices(services());
    proxy.setEndpointSlices(slices());
    proxy.setNetwork({ clusterCidr, podCidr });
    await proxy.syncNow();

    const saved = await host.iptablesSave();
    for (const parent of ["PREROUTING", "OUTPUT"]) assert.ok(saved.includes(`-A ${parent} -m comment --comment "${names.comment}" -j ${names.services}\n`), parent);
    assert.ok(saved.includes(`-A POSTROUTING -m comment --comment "${names.comment}" -j ${names.postrouting}\n`));
    assert.ok(saved.includes(`-A FORWARD -m conntrack --ctstate NEW -m comment --comment "${names.comment}" -j ${names.filterServices}\n`));
    assert.ok(saved.includes(`-A INPUT -m conntrack --ctstate NEW -m comment --comment "${names.comment}" -j ${names.filterExternal}\n`));
    assert.match(saved, new RegExp(`-A ${names.services} -d ${vip(10).replace(/\./g, "\\.")}/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j ${names.prefix}SVC-`));
    assert.match(saved, new RegExp(`-m statistic --mode random --probability 0\\.50000000000 -j ${names.prefix}SEP-`));
    assert.match(saved, new RegExp(`-j DNAT --to-destination ${pod2.replace(/\./g, "\\.")}:8080`));
    assert.match(saved, /-m recent --rcheck --seconds 10800 --reap --name BOSUN-/);
    assert.match(saved, new RegExp(`-A ${names.filterServices} -d ${vip(13).replace(/\./g, "\\.")}/32 -p tcp -m comment --comment "default/empty:http has no endpoints" -m tcp --dport 80 -j REJECT`));
    assert.ok(saved.includes("-A PREROUTING -p tcp -m tcp --dport 9999 -j HOST-OWN"));

    const again = planProxyRules({ nodeName: NODE, services: services(), endpointSlices: slices(), clusterCidr, podCidr }, saved);
    assert.deepEqual(
      again.restore.split("\n").filter((l) => /^-[IDX] /.test(l)),
      [],
      "the real iptables-save's jumps are recognised: nothing to add, remove or delete",
    );
    await proxy.syncNow();
    const strip = (text: string) => text.replace(/^#.*\n/gm, "");
    assert.equal(strip(await host.iptablesSave()), strip(saved), "a sync with no change leaves iptables as it was");
  });

  test("traffic: cluster IP balanced over both pods, NodePort from outside, hairpin, affinity, REJECT", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) seen.add((await get(ns.node, vip(10))).text);
    assert.deepEqual([...seen].sort(), ["pod1", "pod2"], "the cluster IP reaches both endpoints");

    const viaNodePort = await get(ns.client, `${nodeIP}:30080`, "/cgi-bin/ip");
    assert.deepEqual(viaNodePort, { ok: true, text: gateway }, "NodePort with external policy Cluster: masqueraded to the node's address");
    const local = await get(ns.client, `${nodeIP}:30081`, "/cgi-bin/ip");
    assert.deepEqual(local, { ok: true, text: clientIP }, "NodePort with external policy Local: the client's address kept");

    assert.deepEqual(await get(ns.pod1, vip(11)), { ok: true, text: "pod1" }, "a pod reaches itself through its service (hairpin)");

    const sticky = new Set<string>();
    for (let i = 0; i < 10; i++) sticky.add((await get(ns.client, vip(12))).text);
    assert.equal(sticky.size, 1, `ClientIP affinity keeps one backend, got ${[...sticky].join(", ")}`);

    const refused = await get(ns.node, vip(13));
    assert.equal(refused.ok, false);
    assert.match(refused.text, /refused/i, "a service without endpoints is rejected at once");
  });

  test("a removed endpoint's chain goes; cleanup removes every chain and jump of the proxy and nothing else", async () => {
    const before = await host.iptablesSave();
    proxy.setEndpointSlices(slices([pod1]));
    await proxy.syncNow();
    const after = await host.iptablesSave();
    const sepChains = (text: string) => new Set(text.match(new RegExp(`^:${names.prefix}SEP-\\S+`, "gm")));
    assert.equal(sepChains(after).size, sepChains(before).size - 1);
    assert.equal(after.includes(`--to-destination ${pod2}:8080`), true, "the sticky service still has pod2");
    for (let i = 0; i < 10; i++) assert.equal((await get(ns.node, vip(10))).text, "pod1");

    proxy.stop();
    const removed = await removeServiceProxy(NODE, host);
    assert.ok(removed.includes(`nat/${names.services}`) && removed.includes(`filter/${names.filterExternal}`));
    const clean = await host.iptablesSave();
    assert.equal(clean.includes(names.prefix), false);
    assert.ok(clean.includes(":HOST-OWN - [0:0]") && clean.includes("-A PREROUTING -p tcp -m tcp --dport 9999 -j HOST-OWN"));
    assert.deepEqual(await removeServiceProxy(NODE, host), [], "nothing left");
  });
});
