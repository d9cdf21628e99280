// A real agent on this host's Docker engine, registered with a fake master on a test
// network of its own: what the Docker-backed pod tests start before and remove
// after, containers of the node included.
import Docker from "dockerode";
import { DockerRuntime, LABEL_NODE_NAME, type Agent } from "../../src/index.js";
import { testAgent } from "./agent.js";
import { FakeMaster, waitFor } from "./fake-master.js";
import { ensureTestImages } from "./images.js";
import { removeTestNetwork, testNetwork } from "./network.js";

export interface DockerAgent {
  master: FakeMaster;
  agent: Agent;
}

/** Starts the fake master and the agent, and waits until the agent has registered and subscribed. */
export async function startDockerAgent(nodeName: string, networkSlot: number): Promise<DockerAgent> {
  ensureTestImages();
  const master = new FakeMaster();
  master.network = testNetwork(networkSlot);
  await master.start();
  const agent = await testAgent(master, nodeName, { runtime: new DockerRuntime() });
  await agent.start();
  await waitFor("registration", () => master.registrations.length > 0 && master.subscriberCount > 0);
  return { master, agent };
}

/** Stops both and removes every container labelled with the node, and its network. */
export async function stopDockerAgent(nodeName: string, started: Partial<DockerAgent>): Promise<void> {
  await started.agent?.stop();
  started.master?.stop();
  const docker = new Docker();
  const left = await docker.listContainers({ all: true, filters: { label: [`${LABEL_NODE_NAME}=${nodeName}`] } });
  await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  await removeTestNetwork(nodeName);
}
