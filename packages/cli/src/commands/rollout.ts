// bosun rollout status|history|undo|restart|pause|resume. restart, pause and
// resume are merge patches of the object, as kubectl's object restarter, pauser
// and resumer compute them.
import { rfc3339, type Deployment, type KubeObject } from "@bosun/api";
import type { ApiClient } from "@bosun/client";
import type { Command } from "commander";
import { CliError, createClient, formatError, groupResource, namespaceOf, parseNamedTargets, type GlobalOptions, type Target } from "../context.js";
import { io } from "../io.js";
import { qualifiedName } from "../printers/output.js";
import { duration, integer } from "./options.js";
import { runRolloutHistory, runRolloutUndo } from "./rollout-history.js";
import { runRolloutStatus } from "./rollout-status.js";

export const restartedAtAnnotation = "kubectl.kubernetes.io/restartedAt";

export type RolloutAction = "restart" | "pause" | "resume";

export interface RolloutPatchOptions {
  namespace: string;
  /** The restart time; the clock, unless a test fixes it. */
  now?: () => Date;
  out: (line: string) => void;
  err: (line: string) => void;
}

/**
 * The merge patch for one action on one object, or a string saying why there is
 * none (kubectl's pauser/resumer/restarter errors, printed after the object's name).
 */
export function rolloutPatch(action: RolloutAction, obj: KubeObject, now: Date): { patch: object } | { refusal: string } {
  const kind = obj.kind;
  if (action === "restart") {
    if (kind === "Deployment" && (obj as Deployment).spec.paused) return { refusal: "can't restart paused deployment (run rollout resume first)" };
    if (kind !== "Deployment" && kind !== "DaemonSet" && kind !== "StatefulSet") return { refusal: "restarting is not supported" };
    // Changing the template's annotation is what makes the controller roll every pod.
    return { patch: { spec: { template: { metadata: { annotations: { [restartedAtAnnotation]: rfc3339(now) } } } } } };
  }
  if (kind !== "Deployment") return { refusal: action === "pause" ? "pausing is not supported" : "resuming is not supported" };
  const paused = (obj as Deployment).spec.paused === true;
  if (action === "pause") return paused ? { refusal: "is already paused" } : { patch: { spec: { paused: true } } };
  // null drops the field, as kubectl's patch of paused=false (omitted when false) does.
  return paused ? { patch: { spec: { paused: null } } } : { refusal: "is not paused" };
}

const actionDone: Record<RolloutAction, string> = { restart: "restarted", pause: "paused", resume: "resumed" };

export async function runRolloutPatch(client: ApiClient, action: RolloutAction, targets: readonly Target[], opts: RolloutPatchOptions): Promise<number> {
  let failed = false;
  for (const { res, name } of targets) {
    try {
      const obj = await client.get(res, name, opts.namespace);
      const result = rolloutPatch(action, { ...obj, kind: res.kind }, opts.now?.() ?? new Date());
      if ("refusal" in result) throw new CliError(`${groupResource(res)} "${name}" ${result.refusal}`);
      await client.patch(res, name, result.patch, { namespace: opts.namespace, type: "merge" });
      opts.out(`${qualifiedName(res, name)} ${actionDone[action]}`);
    } catch (err) {
      failed = true;
      opts.err(formatError(err));
    }
  }
  return failed ? 1 : 0;
}

const usage = "bosun rollout <command> deployment/web";

function targetsOf(args: readonly string[]): Target[] {
  return parseNamedTargets(args, usage);
}

export function registerRollout(program: Command): void {
  const rollout = program.command("rollout").description("manage the rollout of deployments (and watch daemonsets and statefulsets roll out)");

  rollout
    .command("status")
    .description("watch a rollout until it finishes; exits non-zero when it cannot")
    .argument("<resource...>", "kind and name, or kind/name (deployment, daemonset, statefulset)")
    .option("-w, --watch", "keep watching until the rollout is done", true)
    .option("--no-watch", "print the status once (also --watch=false)")
    .option("--revision <n>", "fail unless the deployment is at this revision (0: the latest)", integer, 0)
    .option("--timeout <duration>", "give up after this long, e.g. 5m (0: never)", duration, 0)
    .action(async (args: string[], o: { watch: boolean; revision: number; timeout: number }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      process.exitCode = await runRolloutStatus(createClient(globals), targetsOf(args), {
        namespace: namespaceOf(globals),
        watch: o.watch,
        revision: o.revision,
        timeoutMs: o.timeout,
        out: io.line,
      });
    });

  rollout
    .command("history")
    .description("list the revisions of a deployment, daemonset or statefulset, or show one with --revision")
    .argument("<resource...>", "kind and name, or kind/name")
    .option("--revision <n>", "show this revision's pod template", integer, 0)
    .action(async (args: string[], o: { revision: number }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      process.exitCode = await runRolloutHistory(createClient(globals), targetsOf(args), {
        namespace: namespaceOf(globals),
        revision: o.revision,
        out: io.text,
        err: io.err,
      });
    });

  rollout
    .command("undo")
    .description("roll a deployment, daemonset or statefulset back to its previous revision, or to --to-revision")
    .argument("<resource...>", "kind and name, or kind/name")
    .option("--to-revision <n>", "the revision to roll back to (0: the previous one)", integer, 0)
    .action(async (args: string[], o: { toRevision: number }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      process.exitCode = await runRolloutUndo(createClient(globals), targetsOf(args), {
        namespace: namespaceOf(globals),
        toRevision: o.toRevision,
        out: io.line,
        err: io.err,
      });
    });

  const describe: Record<RolloutAction, string> = {
    restart: "restart every pod of a deployment, daemonset or statefulset with a rolling update",
    pause: "pause a deployment: template changes wait until it is resumed",
    resume: "resume a paused deployment",
  };
  for (const action of ["restart", "pause", "resume"] as const) {
    rollout
      .command(action)
      .description(describe[action])
      .argument("<resource...>", "kind and name, or kind/name")
      .action(async (args: string[], _o: unknown, cmd: Command) => {
        const globals = cmd.optsWithGlobals<GlobalOptions>();
        process.exitCode = await runRolloutPatch(createClient(globals), action, targetsOf(args), {
          namespace: namespaceOf(globals),
          out: io.line,
          err: io.err,
        });
      });
  }
}
