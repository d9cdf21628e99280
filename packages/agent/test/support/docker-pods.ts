// What the agent's Docker tests do with the pods a PodManager runs: find a
// container by its labels, run a shell command in it, wait until a pod is Running
// or its containers are gone.
import assert from "node:assert/strict";
import type Docker from "dockerode";
import type { Pod, PodStatus } from "@bosun/api";
import { LABEL_CONTAINER_NAME, LABEL_POD_UID, type DockerRuntime, type PodManager } from "../../src/index.js";
import { waitFor } from "./fake-master.js";

export function dockerPodHelpers(docker: Docker, runtime: DockerRuntime, statuses: ReadonlyMap<string, PodStatus>, pods: () => PodManager) {
  const statusOf = (pod: Pod) => statuses.get(pod.metadata.uid ?? "");
  const containerId = async (pod: Pod, name: string) => {
    const list = await docker.listContainers({ filters: { label: [`${LABEL_POD_UID}=${pod.metadata.uid ?? ""}`, `${LABEL_CONTAINER_NAME}=${name}`] } });
    const id = list[0]?.Id;
    assert.ok(id, `container ${name} of ${pod.metadata.name ?? ""} runs`);
    return id;
  };
  /** Runs a shell command in a pod's container; answers its output, failing on another exit code. */
  const sh = async (pod: Pod, name: string, script: string, expectCode = 0) => {
    const r = await runtime.exec(await containerId(pod, name), ["sh", "-c", script], { timeoutMs: 10_000, maxOutputBytes: 64 * 1024 });
    const out = r.output.toString("utf8");
    assert.equal(r.exitCode, expectCode, `sh -c ${JSON.stringify(script)} in ${name}: ${out}`);
    return out;
  };
  const running = (pod: Pod) => waitFor(`${pod.metadata.name ?? ""} Running`, () => statusOf(pod)?.phase === "Running" && statusOf(pod)?.containerStatuses?.every((c) => c.state?.running));
  const removed = async (pod: Pod) => {
    pods().applyRemove(pod.metadata.uid ?? "");
    await waitFor("the pod's containers removed", async () => (await docker.listContainers({ all: true, filters: { label: [`${LABEL_POD_UID}=${pod.metadata.uid ?? ""}`] } })).length === 0, 60_000);
  };
  return { statusOf, containerId, sh, running, removed };
}
