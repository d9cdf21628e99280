// bosun scale: set the replicas of Deployments, ReplicaSets and StatefulSets through
// their /scale subresource, as kubectl's scaler does (a merge patch, or a
// compare-and-swap PUT when a precondition is given), and the parallelism of Jobs.
import type { Job, ResourceInfo, Scale } from "@bosun/api";
import { sleep, type ApiClient } from "@bosun/client";
import type { Command } from "commander";
import { CliError, createClient, formatError, groupResource, namespaceOf, parseNamedTargets, type GlobalOptions, type Target } from "../context.js";
import { io } from "../io.js";
import { qualifiedName } from "../printers/output.js";
import { duration, integer } from "./options.js";

export interface ScaleOptions {
  namespace: string;
  replicas?: number;
  /** Precondition: the current size must be this. */
  currentReplicas?: number;
  /** Precondition: the object's resourceVersion must be this. */
  resourceVersion?: string;
  /** Wait up to this long for the new size to be reached; 0 does not wait. */
  timeoutMs: number;
  /** How often to check while waiting (kubectl: 1s). */
  pollMs?: number;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** kubectl's PreconditionError text. */
function checkPreconditions(opts: ScaleOptions, what: string, size: number | undefined, resourceVersion: string | undefined): void {
  if (opts.currentReplicas !== undefined && size !== opts.currentReplicas) {
    throw new CliError(`Expected ${what} to be ${opts.currentReplicas}, was ${size ?? "nil"}`);
  }
  if (opts.resourceVersion && resourceVersion !== opts.resourceVersion) {
    throw new CliError(`Expected resource version to be ${opts.resourceVersion}, was ${resourceVersion ?? ""}`);
  }
}

async function scaleSubresource(client: ApiClient, res: ResourceInfo, name: string, replicas: number, opts: ScaleOptions): Promise<void> {
  const path = client.path(res, opts.namespace, name, "scale");
  if (opts.currentReplicas === undefined && !opts.resourceVersion) {
    await client.patch(res, name, { spec: { replicas } }, { namespace: opts.namespace, subresource: "scale", type: "merge" });
    return;
  }
  const scale = (await (await client.request("GET", path)).json()) as Scale;
  checkPreconditions(opts, "replicas", scale.spec?.replicas, scale.metadata.resourceVersion);
  // The PUT carries the resourceVersion just read, so a change in between is a conflict, not lost.
  await client.request("PUT", path, { ...scale, spec: { ...scale.spec, replicas } });
}

/** Jobs have no /scale: their parallelism is what scaling means, as kubectl's job scaler had it. */
async function scaleJob(client: ApiClient, res: ResourceInfo, name: string, parallelism: number, opts: ScaleOptions): Promise<void> {
  const job = await client.get<Job>(res, name, opts.namespace);
  checkPreconditions(opts, "parallelism", job.spec.parallelism, job.metadata.resourceVersion);
  await client.update<Job>(res, { ...job, spec: { ...job.spec, parallelism } });
}

/** Whether the object reached its size (or someone set another size meanwhile). */
async function reachedSize(client: ApiClient, res: ResourceInfo, name: string, size: number, namespace: string): Promise<boolean> {
  if (res.kind === "Job") {
    const job = await client.get<Job>(res, name, namespace);
    const active = job.status?.active ?? 0;
    if (active === (job.spec.parallelism ?? 1)) return true;
    if (job.spec.completions === undefined) return false;
    return job.spec.completions - active - (job.status?.succeeded ?? 0) <= 0;
  }
  const scale = (await (await client.request("GET", client.path(res, namespace, name, "scale"))).json()) as Scale;
  if (scale.spec?.replicas !== size) return true;
  return scale.status?.replicas === size;
}

async function waitForSize(client: ApiClient, target: Target, size: number, opts: ScaleOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (await reachedSize(client, target.res, target.name, size, opts.namespace)) return;
    if (Date.now() >= deadline) throw new CliError("timed out waiting for the condition");
    await sleep(Math.min(opts.pollMs ?? 1000, Math.max(0, deadline - Date.now())));
  }
}

export async function runScale(client: ApiClient, args: readonly string[], opts: ScaleOptions): Promise<number> {
  const replicas = opts.replicas;
  if (replicas === undefined || replicas < 0) {
    throw new CliError("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0");
  }
  const targets = parseNamedTargets(args, "bosun scale deployment/web --replicas=3");
  let failed = false;
  for (const target of targets) {
    const { res, name } = target;
    try {
      if (res.kind === "Job") {
        await scaleJob(client, res, name, replicas, opts);
      } else if (res.subresources.includes("scale")) {
        await scaleSubresource(client, res, name, replicas, opts);
      } else {
        throw new CliError(`${groupResource(res)} cannot be scaled; scale works on deployments, replicasets, statefulsets and jobs`);
      }
      if (opts.timeoutMs > 0) await waitForSize(client, target, replicas, opts);
      opts.out(`${qualifiedName(res, name)} scaled`);
    } catch (err) {
      failed = true;
      opts.err(formatError(err));
    }
  }
  return failed ? 1 : 0;
}

export function registerScale(program: Command): void {
  program
    .command("scale")
    .description("set the size of deployments, replicasets and statefulsets (scale deployment/web --replicas=3), or a job's parallelism")
    .argument("<resource...>", "a kind followed by names, or kind/name pairs")
    .option("--replicas <count>", "the new number of replicas", integer)
    .option("--current-replicas <count>", "precondition: only scale when the current size is this", integer)
    .option("--resource-version <version>", "precondition: only scale when the object's resourceVersion is this")
    .option("--timeout <duration>", "wait this long for the new size to be reached, e.g. 30s (0: do not wait)", duration, 0)
    .action(async (args: string[], o: { replicas?: number; currentReplicas?: number; resourceVersion?: string; timeout: number }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      process.exitCode = await runScale(createClient(globals), args, {
        namespace: namespaceOf(globals),
        ...(o.replicas !== undefined ? { replicas: o.replicas } : {}),
        ...(o.currentReplicas !== undefined && o.currentReplicas >= 0 ? { currentReplicas: o.currentReplicas } : {}),
        ...(o.resourceVersion ? { resourceVersion: o.resourceVersion } : {}),
        timeoutMs: o.timeout,
        out: io.line,
        err: io.err,
      });
    });
}
