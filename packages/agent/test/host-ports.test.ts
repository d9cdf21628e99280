// hostPorts: read from the pod, kept on the sandbox as a label, and DNAT rules in the
// node's host-port chain, jumped to for local addresses from PREROUTING and OUTPUT.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "@bosun/api";
import { formatHostPorts, hostPortRules, parseHostPorts, podHostPorts } from "../src/network/host-ports.js";
import { iptablesCleanupInput, iptablesRestoreInput } from "../src/network/iptables.js";
import { nodeNetworkNames } from "../src/network/names.js";

const pod: Pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "default" },
  spec: {
    containers: [
      { name: "web", image: "busybox", ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 9000 }] },
      { name: "dns", image: "busybox", ports: [{ containerPort: 53, hostPort: 5353, protocol: "UDP", hostIP: "192.0.2.10" }] },
    ],
  },
};

test("a pod's hostPorts survive the label round trip; malformed entries are skipped", () => {
  const ports = podHostPorts(pod);
  assert.deepEqual(ports, [
    { protocol: "TCP", hostPort: 8080, containerPort: 80 },
    { protocol: "UDP", hostPort: 5353, containerPort: 53, hostIP: "192.0.2.10" },
  ]);
  const label = formatHostPorts(ports);
  assert.equal(label, "TCP:8080:80,UDP:5353:53:192.0.2.10");
  assert.deepEqual(parseHostPorts(label), ports);
  assert.deepEqual(parseHostPorts("TCP:0:80,ICMP:1:1,TCP:x:80,TCP:8080:80"), [{ protocol: "TCP", hostPort: 8080, containerPort: 80 }]);
  assert.deepEqual(parseHostPorts(undefined), []);
});

test("the host-port chain DNATs to the pod, and is jumped to for local addresses only; cleanup removes it", () => {
  const names = nodeNetworkNames("n1");
  const rules = hostPortRules(names.hostPortChain, [{ ip: "10.244.1.5", ports: podHostPorts(pod) }]);
  assert.deepEqual(rules, [
    `-A ${names.hostPortChain} -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.244.1.5:80`,
    `-A ${names.hostPortChain} -p udp -m udp -d 192.0.2.10/32 --dport 5353 -j DNAT --to-destination 10.244.1.5:53`,
  ]);
  const input = iptablesRestoreInput({ names, podCidr: "10.244.1.0/24", clusterCidr: "10.244.0.0/16", hostPortRules: rules }, "");
  assert.match(input, new RegExp(`^:${names.hostPortChain} - \\[0:0\\]$`, "m"));
  for (const parent of ["PREROUTING", "OUTPUT"]) {
    assert.match(input, new RegExp(`^-I ${parent} 1 -m addrtype --dst-type LOCAL -m comment --comment "bosun pod network of node n1" -j ${names.hostPortChain}$`, "m"));
  }
  const saved = `*nat\n:PREROUTING ACCEPT [0:0]\n:${names.hostPortChain} - [0:0]\n-A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment "bosun pod network of node n1" -j ${names.hostPortChain}\nCOMMIT\n`;
  const cleanup = iptablesCleanupInput(names, saved) ?? "";
  assert.match(cleanup, new RegExp(`-D PREROUTING -m addrtype --dst-type LOCAL .*-j ${names.hostPortChain}`));
  assert.match(cleanup, new RegExp(`-X ${names.hostPortChain}`));
});
