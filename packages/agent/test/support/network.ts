// A pod network for one test file against the real host, and its removal afterwards.
// Each test file has a slot of its own (a /24) inside a /16 drawn per run from
// 10.20.0.0-10.99.255.255: test files of one run, which node --test runs at once,
// never collide; concurrent runs rarely do; and the e2e suites (10.100-10.249) and a
// local cluster's default 10.244.0.0/16 are never in the way.
import { randomInt } from "node:crypto";
import type { NetworkMessage } from "@bosun/proto";
import { DockerRuntime, LinuxHost, removeNodeNetwork } from "../../src/index.js";

/** The /24 of each test file that runs agents on Docker. */
export const NETWORK_SLOTS = { agentDocker: 1, podLifecycle: 2, probes: 3, twoAgentsA: 4, twoAgentsB: 5, initContainers: 6 } as const;

const clusterOctet = randomInt(20, 100);

export const TEST_CLUSTER_CIDR = `10.${clusterOctet}.0.0/16`;

export function testNetwork(slot: number): NetworkMessage {
  return { podCidr: `10.${clusterOctet}.${slot}.0/24`, clusterCidr: TEST_CLUSTER_CIDR, peers: [] };
}

/** Removes the node's Docker network, iptables chains and routes; its containers must be gone. */
export async function removeTestNetwork(nodeName: string): Promise<void> {
  const r = await removeNodeNetwork(nodeName, new DockerRuntime(), new LinuxHost());
  if (r.problems.length > 0) throw new Error(`cleaning up the pod network of ${nodeName}: ${r.problems.join("; ")}`);
}
