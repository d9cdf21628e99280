// What the runtime shows of one pod: its containers, newest instance first, and the
// observation the status is computed from. Inspect results are cached while a
// container's state is unchanged, so a sync of a steady pod costs one list call.
import type { Pod } from "@bosun/api";
import type { ContainerDetails, ContainerSummary } from "../runtime/runtime.js";
import { INFRA_CONTAINER_NAME, LABEL_CONTAINER_NAME, LABEL_NODE_NAME, LABEL_POD_UID, restartCountOf } from "../labels.js";
import type { PodContext } from "./context.js";
import { isExited, type ContainerObservation, type Waiting } from "./status.js";
import { readTerminationMessage } from "./termination-message.js";

export interface PodObservation {
  /** The pod's infra container, when it has one. */
  infra?: ContainerDetails;
  /** By spec container name. */
  containers: Map<string, ContainerObservation>;
}

function newestFirst(a: ContainerSummary, b: ContainerSummary): number {
  return restartCountOf(b.labels) - restartCountOf(a.labels) || b.created - a.created;
}

export class PodObserver {
  /** The containers' last state before a deletion removed them, for the final status. */
  private terminal: Map<string, ContainerObservation> | undefined;

  constructor(private readonly ctx: PodContext) {}

  async listContainers(): Promise<ContainerSummary[]> {
    const { runtime, nodeName } = this.ctx.deps;
    const list = await runtime.listContainers({ [LABEL_NODE_NAME]: nodeName, [LABEL_POD_UID]: this.ctx.uid });
    return list.sort(newestFirst);
  }

  async inspectAll(containers: ContainerSummary[]): Promise<ContainerDetails[]> {
    const cache = this.ctx.inspectCache;
    const out: ContainerDetails[] = [];
    for (const c of containers) {
      const cached = cache.get(c.id);
      const d = cached && cached.state === c.state ? cached : await this.ctx.deps.runtime.inspectContainer(c.id);
      if (!d) continue;
      // A stopped container's message is read once; its details are kept while it stays stopped.
      if (isExited(d) && d.terminationMessage === undefined) d.terminationMessage = await readTerminationMessage(this.ctx.deps.runtime, d);
      cache.set(c.id, d);
      out.push(d);
    }
    return out;
  }

  /** Each spec container's (init and ephemeral containers' too) current and previous instance. */
  fromDetails(pod: Pod, details: ContainerDetails[]): Map<string, ContainerObservation> {
    const byName = new Map<string, ContainerObservation>();
    const sorted = [...details].sort(
      (a, b) => restartCountOf(b.labels) - restartCountOf(a.labels) || Date.parse(b.createdAt) - Date.parse(a.createdAt),
    );
    for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers, ...(pod.spec.ephemeralContainers ?? [])]) {
      const mine = sorted.filter((d) => d.labels[LABEL_CONTAINER_NAME] === c.name);
      const current = mine[0];
      const killedByProbe = current !== undefined && this.ctx.probeKilled.has(current.id);
      byName.set(c.name, { current, previous: mine[1], ...(killedByProbe ? { killedByProbe: true } : {}) });
    }
    return byName;
  }

  /** The whole observation, with why containers wait; after a deletion removed them, their last state. */
  observe(pod: Pod, details: ContainerDetails[], waiting: Map<string, Waiting>): PodObservation {
    if (details.length === 0 && this.terminal) return { containers: this.terminal };
    const containers = this.fromDetails(pod, details);
    for (const [name, w] of waiting) {
      const o = containers.get(name);
      if (o) o.waiting = w;
    }
    const infra = details
      .filter((d) => d.labels[LABEL_CONTAINER_NAME] === INFRA_CONTAINER_NAME)
      .sort((a, b) => restartCountOf(b.labels) - restartCountOf(a.labels))[0];
    return { infra, containers };
  }

  /** Keeps the containers' final state before they are removed, for the last status report. */
  async rememberTerminal(pod: Pod): Promise<void> {
    this.terminal = this.fromDetails(pod, await this.inspectAll(await this.listContainers()));
  }

  /** The pod runs (again): what was remembered of a deletion no longer applies. */
  forgetTerminal(): void {
    this.terminal = undefined;
  }
}
