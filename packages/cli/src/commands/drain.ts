// bosun drain: cordon nodes, then evict their pods through pods/{name}/eviction
// (or delete them with --disable-eviction) and wait until they are gone, with
// kubectl's rules for DaemonSet and unmanaged pods and its messages.
import { mustResource, type Node, type Pod } from "@bosun/api";
import { ApiError, isNotFound, sleep, type ApiClient } from "@bosun/client";
import type { Command } from "commander";
import { createClient, formatError, type GlobalOptions } from "../context.js";
import { classifyPods, drainErrors, drainWarnings } from "../drain/pod-filters.js";
import { io } from "../io.js";
import { nodeNames, setUnschedulable } from "./cordon.js";
import { duration, formatDuration, integer } from "./options.js";

export interface DrainOptions {
  force: boolean;
  ignoreDaemonSets: boolean;
  /** Seconds each pod gets to stop; negative uses the pod's own terminationGracePeriodSeconds. */
  gracePeriod: number;
  /** Give up after this long per node; 0 waits as long as it takes. */
  timeoutMs: number;
  /** Delete pods instead of evicting them (bypasses disruption budgets). */
  disableEviction: boolean;
  /** Only pods matching this label selector. */
  podSelector?: string;
  /** How often to check whether evicted pods are gone (kubectl: 1s). */
  pollMs?: number;
  /** The time and the waits, so tests can move time instead of waiting for it. */
  clock?: DrainClock;
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface DrainClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: DrainClock = { now: () => Date.now(), sleep };

/** How long kubectl waits before it asks again for an eviction a disruption budget refused (429). */
export const evictRetryMs = 5000;

function podRef(pod: Pod): { namespace: string; name: string } {
  return { namespace: pod.metadata.namespace ?? "", name: pod.metadata.name ?? "" };
}

/** kubectl's aggregate error text: the message alone, or "[a, b]" for several. */
function aggregate(messages: readonly string[]): string {
  return messages.length === 1 ? messages[0]! : `[${messages.join(", ")}]`;
}

class Drainer {
  private readonly deadline: number;
  private readonly pods = mustResource("pods");
  private readonly clock: DrainClock;

  constructor(
    private readonly client: ApiClient,
    private readonly opts: DrainOptions,
  ) {
    this.clock = opts.clock ?? realClock;
    this.deadline = opts.timeoutMs > 0 ? this.clock.now() + opts.timeoutMs : Infinity;
  }

  private timeoutText(): string {
    return `global timeout reached: ${formatDuration(this.opts.timeoutMs)}`;
  }

  private deleteOptions(): { gracePeriodSeconds?: number } {
    return this.opts.gracePeriod >= 0 ? { gracePeriodSeconds: this.opts.gracePeriod } : {};
  }

  /** Polls until the pod is gone or replaced by another of the same name; false at the deadline. */
  private async waitGone(pod: Pod): Promise<boolean> {
    const { namespace, name } = podRef(pod);
    for (;;) {
      try {
        const current = await this.client.get<Pod>(this.pods, name, namespace);
        if (current.metadata.uid !== pod.metadata.uid) return true;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
      if (this.clock.now() >= this.deadline) return false;
      await this.clock.sleep(Math.min(this.opts.pollMs ?? 1000, Math.max(0, this.deadline - this.clock.now())));
    }
  }

  /** Evicts one pod and waits until it is gone; answers an error message, or undefined. */
  private async evict(pod: Pod): Promise<string | undefined> {
    const { namespace, name } = podRef(pod);
    const body = { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace }, ...(this.opts.gracePeriod >= 0 ? { deleteOptions: this.deleteOptions() } : {}) };
    let active = pod;
    for (;;) {
      this.opts.out(`evicting pod ${namespace}/${name}`);
      if (this.clock.now() >= this.deadline) return `error when evicting pods/"${name}" -n "${namespace}": ${this.timeoutText()}`;
      try {
        await this.client.request("POST", this.client.path(this.pods, namespace, name, "eviction"), body);
        break;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        if (!(err instanceof ApiError) || err.code !== 429) return `error when evicting pods/"${name}" -n "${namespace}": ${err instanceof Error ? err.message : String(err)}`;
        // A disruption budget refuses the eviction for now: try again later, as kubectl does.
        this.opts.err(`error when evicting pods/"${name}" -n "${namespace}" (will retry after ${formatDuration(evictRetryMs)}): ${err.message}`);
        await this.clock.sleep(evictRetryMs);
      }
      active = await this.client.get<Pod>(this.pods, name, namespace).catch(() => active);
    }
    try {
      if (!(await this.waitGone(active))) return `error when waiting for pod "${name}" in namespace "${namespace}" to terminate: ${this.timeoutText()}`;
    } catch (err) {
      return `error when waiting for pod "${name}" in namespace "${namespace}" to terminate: ${err instanceof Error ? err.message : String(err)}`;
    }
    this.opts.out(`pod/${name} evicted`);
    return undefined;
  }

  /** --disable-eviction: plain deletes, then wait for all of them. */
  private async deleteAll(pods: readonly Pod[]): Promise<string[]> {
    for (const pod of pods) {
      const { namespace, name } = podRef(pod);
      try {
        await this.client.delete(this.pods, name, { namespace, ...this.deleteOptions() });
      } catch (err) {
        if (!isNotFound(err)) return [err instanceof Error ? err.message : String(err)];
      }
    }
    const errors: string[] = [];
    await Promise.all(
      pods.map(async (pod) => {
        const { namespace, name } = podRef(pod);
        if (await this.waitGone(pod)) this.opts.out(`pod/${name} deleted`);
        else errors.push(`error when waiting for pod "${name}" in namespace "${namespace}" to terminate: ${this.timeoutText()}`);
      }),
    );
    return errors;
  }

  private async podsOn(node: string): Promise<Pod[]> {
    const list = await this.client.list<Pod>(this.pods, {
      fieldSelector: `spec.nodeName=${node}`,
      ...(this.opts.podSelector ? { labelSelector: this.opts.podSelector } : {}),
    });
    return list.items;
  }

  private classify(pods: readonly Pod[]) {
    const daemonSets = mustResource("daemonsets");
    return classifyPods(pods, {
      force: this.opts.force,
      ignoreDaemonSets: this.opts.ignoreDaemonSets,
      getDaemonSet: (namespace, name) => this.client.get(daemonSets, name, namespace),
    });
  }

  /** Drains one cordoned node; answers the errors that stopped it (none when drained). */
  async drain(node: string): Promise<string[]> {
    const verdicts = await this.classify(await this.podsOn(node));
    const refusals = drainErrors(verdicts);
    if (refusals.length > 0) return refusals;
    const warnings = drainWarnings(verdicts);
    if (warnings) this.opts.err(`Warning: ${warnings}`);
    const pods = verdicts.filter((v) => v.evict).map((v) => v.pod);
    const errors = this.opts.disableEviction
      ? await this.deleteAll(pods)
      : (await Promise.all(pods.map((p) => this.evict(p)))).filter((e): e is string => e !== undefined);
    if (errors.length > 0) {
      const pending = (await this.classify(await this.podsOn(node))).filter((v) => v.evict);
      if (pending.length > 0) {
        this.opts.err(`There are pending pods in node "${node}" when an error occurred: ${aggregate(errors)}`);
        for (const v of pending) this.opts.err(`pod/${v.pod.metadata.name ?? ""}`);
      }
    }
    return errors;
  }
}

export async function runDrain(client: ApiClient, args: readonly string[], opts: DrainOptions): Promise<number> {
  const names = nodeNames(args, "drain");
  let failed = false;
  // As kubectl: cordon every node first, so pods evicted from one do not land on the next.
  const cordoned: string[] = [];
  for (const name of names) {
    try {
      const node = await client.get<Node>(mustResource("nodes"), name);
      await setUnschedulable(client, node, true, opts);
      cordoned.push(name);
    } catch (err) {
      failed = true;
      opts.err(formatError(err));
    }
  }
  const drainer = new Drainer(client, opts);
  const fatal: string[] = [];
  const remaining: string[] = [];
  for (const name of cordoned) {
    const errors = await drainer.drain(name);
    if (errors.length === 0) {
      opts.out(`node/${name} drained`);
      continue;
    }
    opts.err(`error: unable to drain node "${name}" due to error:${aggregate(errors)}, continuing command...`);
    fatal.push(...errors);
    remaining.push(name);
  }
  if (remaining.length > 0) {
    opts.err("There are pending nodes to be drained:");
    for (const name of remaining) opts.err(` ${name}`);
    for (const message of fatal) opts.err(message);
    failed = true;
  }
  return failed ? 1 : 0;
}

export function registerDrain(program: Command): void {
  program
    .command("drain")
    .description("cordon nodes and evict their pods for maintenance (drain node-1 --ignore-daemonsets)")
    .argument("<node...>", "node names, or node/name")
    .option("--force", "also evict pods no controller would recreate", false)
    .option("--ignore-daemonsets", "leave DaemonSet pods in place instead of refusing to drain", false)
    .option("--delete-emptydir-data", "accepted for kubectl compatibility (Bosun pods have no emptyDir volumes)", false)
    .option("--grace-period <seconds>", "seconds each pod gets to stop; -1 uses the pod's own", integer, -1)
    .option("--timeout <duration>", "give up after this long, e.g. 5m (0: no limit)", duration, 0)
    .option("--disable-eviction", "delete pods instead of evicting them", false)
    .option("--pod-selector <selector>", "only pods matching this label selector")
    .action(
      async (
        args: string[],
        o: { force: boolean; ignoreDaemonsets: boolean; gracePeriod: number; timeout: number; disableEviction: boolean; podSelector?: string },
        cmd: Command,
      ) => {
        process.exitCode = await runDrain(createClient(cmd.optsWithGlobals<GlobalOptions>()), args, {
          force: o.force,
          ignoreDaemonSets: o.ignoreDaemonsets,
          gracePeriod: o.gracePeriod,
          timeoutMs: o.timeout,
          disableEviction: o.disableEviction,
          ...(o.podSelector ? { podSelector: o.podSelector } : {}),
          out: io.line,
          err: io.err,
        });
      },
    );
}
