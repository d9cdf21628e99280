// The apiserver's source of pod logs: the agent of the pod's node serves them over
// AgentService, reached through the master's one set of agent clients.
import type { Pod } from "@bosun/api";
import type { PodLogOptions, PodLogSource } from "@bosun/apiserver";
import type { LogChunk } from "@bosun/proto";
import { isServiceError, translateAgentError, type AgentClients } from "./agent-clients.js";

export class AgentLogSource implements PodLogSource {
  /** Shared with the stream source; whoever created it closes it. */
  constructor(private readonly agents: AgentClients) {}

  async *streamLogs(pod: Pod, opts: PodLogOptions, signal: AbortSignal): AsyncIterable<Uint8Array> {
    const agent = await this.agents.forPod(pod, "logs");
    const call = agent.client.logs({
      podUid: pod.metadata.uid ?? "",
      namespace: pod.metadata.namespace ?? "",
      podName: pod.metadata.name ?? "",
      container: opts.container,
      follow: opts.follow,
      tailLines: opts.tailLines ?? -1,
      timestamps: opts.timestamps ?? false,
      sinceSeconds: opts.sinceSeconds ?? 0,
      sinceTime: opts.sinceTime ?? "",
      limitBytes: opts.limitBytes ?? 0,
      previous: opts.previous ?? false,
    });
    const cancel = () => call.cancel();
    signal.addEventListener("abort", cancel, { once: true });
    try {
      for await (const chunk of call as AsyncIterable<LogChunk>) yield chunk.data;
    } catch (err) {
      if (signal.aborted) return;
      if (isServiceError(err)) throw translateAgentError(err, agent, "logs");
      throw err;
    } finally {
      signal.removeEventListener("abort", cancel);
      call.cancel();
    }
  }
}
