// An agent renews its node certificate before it expires, through the master, and
// nothing else happens: its pods keep running, its node stays Ready, and the master
// still reaches it (logs) with the new certificate.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { describe } from "node:test";
import { nodeReadyCondition, resourceByKind, type Node } from "@bosun/api";
import { e2eTest, expectSuccess, idleScript, podContainers, podManifest, pods, restartCount, shContainer, useCluster, waitForRunning } from "../src/index.js";

const nodes = resourceByKind("v1", "Node")!;

describe("node certificate renewal", () => {
  // A minute of validity: the agent renews at 70% of it, about 42 s after joining.
  const c = useCluster({ agents: [{ name: "a" }], nodeCertValidity: "1m" });

  e2eTest("the agent renews its certificate without touching its pods or its node", c, async (cl) => {
    const first = new X509Certificate(cl.nodeCertificate("a"));
    assert.equal(first.subject.split("\n").find((l) => l.startsWith("CN=")), `CN=system:node:${cl.nodeName("a")}`);

    await cl.client.create(pods, podManifest("steady", [shContainer("app", idleScript("steady"))]));
    const before = await waitForRunning(cl, "steady");
    const containersBefore = (await podContainers(before.metadata.uid!)).filter((x) => x.running).map((x) => x.id).sort();

    const renewed = await cl.waitFor(
      (note) => {
        const now = new X509Certificate(cl.nodeCertificate("a"));
        note({ serial: now.serialNumber, validTo: now.validTo });
        return now.serialNumber !== first.serialNumber ? now : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 1000, what: "the agent to store a renewed node certificate" },
    );
    assert.equal(renewed.subject, first.subject, "the same identity");
    assert.ok(new Date(renewed.validTo).getTime() > new Date(first.validTo).getTime(), "the new certificate lasts longer");
    assert.ok(renewed.checkIssued(new X509Certificate(cl.credentials.ca)), "signed by the cluster CA");

    const after = await waitForRunning(cl, "steady");
    assert.equal(restartCount(after, "app"), restartCount(before, "app"), "the pod did not restart");
    const containersAfter = (await podContainers(after.metadata.uid!)).filter((x) => x.running).map((x) => x.id).sort();
    assert.deepEqual(containersAfter, containersBefore, "the same containers run");
    const node = await cl.client.get<Node>(nodes, cl.nodeName("a"));
    assert.equal(nodeReadyCondition(node)?.status, "True", "the node stayed Ready");
    // The master reaches the agent's AgentService, which now serves the new certificate.
    const logs = expectSuccess("bosun logs", await cl.bosun(["logs", "steady"]));
    assert.match(logs.stdout, /steady/);
  });
});
