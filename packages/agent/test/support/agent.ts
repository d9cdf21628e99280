// The agent the agent's integration tests run: one node against a fake master,
// with test credentials and the pause image, and whatever a test changes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, type AgentOptions } from "../../src/agent.js";
import type { FakeMaster } from "./fake-master.js";
import { PAUSE_IMAGE } from "./images.js";
import { nodeCredentials } from "./tls.js";

const dataDirs: string[] = [];
process.once("exit", () => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh state directory for a test agent, removed when the test process exits. */
export function testDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bosun-agent-test-"));
  dataDirs.push(dir);
  return dir;
}

export async function testAgent(
  master: FakeMaster,
  nodeName: string,
  opts: Pick<AgentOptions, "runtime"> & Partial<AgentOptions>,
): Promise<Agent> {
  return new Agent({
    nodeName,
    masters: [master.address],
    credentials: await nodeCredentials(nodeName),
    listen: "127.0.0.1:0",
    nodeLabels: {},
    infraImage: PAUSE_IMAGE,
    dataDir: testDataDir(),
    resyncIntervalMs: 1_000,
    reportIntervalMs: 100,
    ...opts,
  });
}
