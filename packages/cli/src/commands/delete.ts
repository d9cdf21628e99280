// bosun delete: by kind and name, kind/name, or -f manifests; waits until the
// objects are gone (a pod is gone once its node stopped its containers).
import type { KubeObject, ResourceInfo } from "@bosun/api";
import { isNotFound, sleep, type ApiClient } from "@bosun/client";
import type { Command } from "commander";
import { CliError, createClient, formatError, namespaceOf, parseTargets, type GlobalOptions, type Target } from "../context.js";
import { io } from "../io.js";
import { loadManifests } from "../manifests.js";
import { placeManifest } from "./apply.js";
import { collect, duration, integer } from "./options.js";

export type PropagationPolicy = "Background" | "Foreground" | "Orphan";

export interface DeleteCommandOptions {
  namespace: string;
  filenames: readonly string[];
  gracePeriod?: number;
  now: boolean;
  force: boolean;
  wait: boolean;
  ignoreNotFound: boolean;
  /** What happens to the objects' dependents (pods of a ReplicaSet, ...), kubectl's --cascade. */
  cascade: PropagationPolicy;
  /** Give up waiting after this many milliseconds; 0 waits as long as it takes. */
  timeoutMs: number;
  out: (line: string) => void;
  err: (line: string) => void;
}

interface Deletion extends Target {
  namespace?: string;
  uid?: string;
}

/**
 * kubectl's --cascade: background (the default), foreground or orphan; the old
 * booleans still work, with kubectl's deprecation warning.
 */
export function parseCascade(value: string, warn: (line: string) => void): PropagationPolicy {
  switch (value) {
    case "background":
      return "Background";
    case "foreground":
      return "Foreground";
    case "orphan":
      return "Orphan";
    case "true":
      warn("warning: --cascade=true is deprecated (boolean value) and can be replaced with --cascade=background.");
      return "Background";
    case "false":
      warn("warning: --cascade=false is deprecated (boolean value) and can be replaced with --cascade=orphan.");
      return "Orphan";
    default:
      throw new CliError(`invalid cascade value (${value}). Must be "background", "foreground", or "orphan".`);
  }
}

/** kubectl's rules: --now means 1s, --force means 0s unless a period was given. */
export function gracePeriodOf(opts: Pick<DeleteCommandOptions, "gracePeriod" | "now" | "force">): number | undefined {
  if (opts.gracePeriod !== undefined && opts.gracePeriod >= 0) return opts.gracePeriod;
  if (opts.now) return 1;
  if (opts.force) return 0;
  return undefined;
}

export async function runDelete(client: ApiClient, args: readonly string[], opts: DeleteCommandOptions): Promise<number> {
  let targets: Deletion[];
  if (opts.filenames.length > 0) {
    if (args.length > 0) throw new CliError("use either -f or resource names, not both");
    const manifests = [];
    for (const f of opts.filenames) manifests.push(...(await loadManifests(f)));
    targets = manifests.map((m) => {
      const { res, object } = placeManifest(m, opts.namespace);
      return { res, name: object.metadata.name!, ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}) };
    });
  } else {
    const parsed = parseTargets(args);
    if (parsed.targets.length === 0) {
      throw new CliError(`resource(s) were provided, but no name was specified; e.g. 'bosun delete ${parsed.kinds[0]?.singular ?? "pod"} web'`);
    }
    targets = parsed.targets.map((t) => (t.res.namespaced ? { ...t, namespace: opts.namespace } : t));
  }

  const gracePeriodSeconds = gracePeriodOf(opts);
  if (opts.force && gracePeriodSeconds === 0) {
    opts.err("Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.");
  }
  let failed = false;
  const deleted: Deletion[] = [];
  for (const t of targets) {
    try {
      const answer = await client.delete(t.res, t.name, {
        ...(t.namespace ? { namespace: t.namespace } : {}),
        ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
        propagationPolicy: opts.cascade,
      });
      const uid = "metadata" in answer && (answer as KubeObject).metadata.uid;
      // kubectl's wording: `pod "web" deleted`, `deployment.apps "web" deleted`.
      const kind = t.res.group ? `${t.res.singular}.${t.res.group}` : t.res.singular;
      opts.out(`${kind} "${t.name}" ${opts.force && gracePeriodSeconds === 0 ? "force deleted" : "deleted"}`);
      deleted.push(uid ? { ...t, uid } : t);
    } catch (err) {
      if (isNotFound(err) && opts.ignoreNotFound) continue;
      failed = true;
      opts.err(formatError(err));
    }
  }
  if (opts.wait) {
    const deadline = opts.timeoutMs > 0 ? Date.now() + opts.timeoutMs : Infinity;
    for (const t of deleted) {
      if (!(await waitGone(client, t.res, t, deadline))) {
        failed = true;
        opts.err(`error: timed out waiting for ${t.res.singular} "${t.name}" to be deleted; its node may be unreachable (see 'bosun describe ${t.res.singular} ${t.name}')`);
      }
    }
  }
  return failed ? 1 : 0;
}

/** Polls until the object is gone or replaced by a new one of the same name. */
async function waitGone(client: ApiClient, res: ResourceInfo, t: Deletion, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    try {
      const obj = await client.get(res, t.name, t.namespace);
      if (t.uid && obj.metadata.uid !== t.uid) return true;
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
    await sleep(Math.min(250, Math.max(0, deadline - Date.now())));
  }
  return false;
}

export function registerDelete(program: Command): void {
  program
    .command("delete")
    .description("delete objects by name, kind/name, or from manifests; waits until they are gone")
    .argument("[resource...]", "a kind followed by names, or kind/name pairs")
    .option("-f, --filename <path>", "delete the objects in these manifests (file, directory, or -; repeatable)", collect, [])
    .option("--grace-period <seconds>", "seconds the pod gets to stop; -1 uses the pod's own", integer)
    .option("--now", "stop at once (grace period 1s)", false)
    .option("--force", "remove the object without waiting for its node to confirm (with --grace-period=0)", false)
    .option("--wait", "wait until the objects are gone", true)
    .option("--no-wait", "return once the deletion is accepted (also --wait=false)")
    .option("--cascade <policy>", "what happens to dependents: background (deleted after the owner), foreground (deleted before it) or orphan (kept)", "background")
    .option("--timeout <duration>", "give up waiting after this long, e.g. 30s or 2m (0: no limit)", duration, 0)
    .option("--ignore-not-found", "treat objects that do not exist as deleted", false)
    .action(async (args: string[], o: { filename: string[]; gracePeriod?: number; now: boolean; force: boolean; wait: boolean; cascade: string; timeout: number; ignoreNotFound: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const cascade = parseCascade(o.cascade, io.err);
      process.exitCode = await runDelete(createClient(globals), args, {
        namespace: namespaceOf(globals),
        filenames: o.filename,
        ...(o.gracePeriod !== undefined ? { gracePeriod: o.gracePeriod } : {}),
        now: o.now,
        force: o.force,
        wait: o.wait,
        cascade,
        timeoutMs: o.timeout,
        ignoreNotFound: o.ignoreNotFound,
        out: io.line,
        err: io.err,
      });
    });
}
