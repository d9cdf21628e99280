import { test } from "node:test";
import assert from "node:assert/strict";
import { internalIP } from "@bosun/client";
import { parseLabels, registration } from "../src/node-info.js";

test("node labels parse from k=v lists and refuse other shapes", () => {
  assert.deepEqual(parseLabels("disk=ssd, zone=a"), { disk: "ssd", zone: "a" });
  assert.deepEqual(parseLabels(undefined), {});
  assert.throws(() => parseLabels("novalue"), /not key=value/);
});

test("the internal IP skips container bridges and the pod network's bridge and tunnel, and falls back to loopback", () => {
  const ifs = {
    docker0: [{ address: "172.17.0.1", family: "IPv4", internal: false }],
    bosunvx1a2b3c4d: [{ address: "10.244.1.0", family: "IPv4", internal: false }],
    bosunbr1a2b3c4d: [{ address: "10.244.1.1", family: "IPv4", internal: false }],
    eth0: [{ address: "10.1.2.3", family: "IPv4", internal: false }],
  } as unknown as Parameters<typeof internalIP>[0];
  assert.equal(internalIP(ifs), "10.1.2.3");
  assert.equal(internalIP({}), "127.0.0.1");
});

test("capacity overrides and labels go into the registration", () => {
  const r = registration({
    nodeName: "n1", internalIP: "10.0.0.7", agentEndpoint: "127.0.0.1:10250", runtimeVersion: "docker://20.10", agentVersion: "v",
    extraLabels: { disk: "ssd" }, capacityCpu: "4", capacityMemory: "8Gi",
  });
  // The address the agent chose at start, not one looked up again (see NodeInfoOptions.internalIP).
  assert.deepEqual(r.addresses.find((a) => a.type === "InternalIP")?.address, "10.0.0.7");
  assert.deepEqual(r.capacity, { cpu: "4", memory: "8Gi", pods: "110" });
  assert.deepEqual(r.allocatable, r.capacity);
  assert.equal(r.labels["kubernetes.io/hostname"], "n1");
  assert.equal(r.labels.disk, "ssd");
  assert.equal(r.agentEndpoint, "127.0.0.1:10250");
});
