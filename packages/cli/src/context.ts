// What every command shares: the API client for the resolved server, the
// namespace to act in, resource-name resolution, and kubectl-style error text.
import { resourceByName, resources, type ResourceInfo } from "@bosun/api";
import { ApiClient, ApiError } from "@bosun/client";
import { resolveAccess } from "./config.js";

export const cliVersion = "v0.1.0";

/** Options every command accepts (defined on the program). */
export interface GlobalOptions {
  server?: string;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

/** A mistake on the command line or in a manifest: printed as `error: ...`, exit 1. */
export class CliError extends Error {
  override readonly name = "CliError";
}

export function createClient(globals: GlobalOptions): ApiClient {
  const access = resolveAccess({ server: globals.server, kubeconfig: globals.kubeconfig, context: globals.context });
  return new ApiClient({ server: access.server, credentials: access.credentials, userAgent: `bosun/${cliVersion}` });
}

export function namespaceOf(globals: GlobalOptions): string {
  return globals.namespace || "default";
}

export function resolveResource(name: string): ResourceInfo {
  const res = resourceByName(name.split(".")[0]!);
  if (!res) {
    const known = resources.map((r) => r.resource).join(", ");
    throw new CliError(`the server doesn't have a resource type "${name}" (known: ${known})`);
  }
  return res;
}

export interface Target {
  res: ResourceInfo;
  name: string;
}

/** What `bosun get all` lists, in the order kubectl prints the "all" category. */
export const allKinds: readonly string[] = ["pods", "replicationcontrollers", "daemonsets", "deployments", "replicasets", "statefulsets", "cronjobs", "jobs"];

/** `pods`, `deploy,rs,po` or `all` to the resources they name, in order, without repeats. */
export function resolveKinds(arg: string): ResourceInfo[] {
  const names = arg.split(",").flatMap((n) => (n === "all" ? allKinds : [n]));
  if (names.some((n) => n === "")) throw new CliError(`"${arg}" names an empty resource type; separate types with single commas, e.g. 'deploy,rs'`);
  return [...new Set(names.map(resolveResource))];
}

export interface ResourceArgs {
  /** The kinds asked for, in order: one for `pods`, several for `deploy,rs` or `all`. */
  kinds: ResourceInfo[];
  /** Named objects; empty when only kinds were given. */
  targets: Target[];
}

/**
 * Parses `<kind>[,<kind>...] <name...>` or `<kind>/<name>...`, the forms kubectl
 * accepts. Names after several kinds are looked up in each kind.
 */
export function parseTargets(args: readonly string[]): ResourceArgs {
  if (args.length === 0) throw new CliError("you must specify the type of resource, e.g. 'pods' or 'pod/web'");
  if (args[0]!.includes("/")) {
    const targets = args.map((arg) => {
      const slash = arg.indexOf("/");
      if (slash < 0) {
        throw new CliError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'bosun get pod/${arg}')`);
      }
      const name = arg.slice(slash + 1);
      if (name === "") throw new CliError(`"${arg}" has no name after the slash`);
      return { res: resolveResource(arg.slice(0, slash)), name };
    });
    return { kinds: [...new Set(targets.map((t) => t.res))], targets };
  }
  const kinds = resolveKinds(args[0]!);
  const names = args.slice(1);
  for (const name of names) {
    if (name.includes("/")) throw new CliError(`"${name}" is in resource/name form; pass either '<type> <name>' or only '<type>/<name>' arguments`);
  }
  return { kinds, targets: names.flatMap((name) => kinds.map((res) => ({ res, name }))) };
}

/**
 * The objects of one command that acts on a single kind (scale, rollout): named
 * as `<kind> <name...>` or `<kind>/<name>...`, at least one.
 */
export function parseNamedTargets(args: readonly string[], usage: string): Target[] {
  const { kinds, targets } = parseTargets(args);
  if (kinds.length > 1 && !args[0]!.includes("/")) throw new CliError(`one resource type at a time, not "${args[0]}"`);
  if (targets.length === 0) throw new CliError(`you must specify the name of the object, e.g. '${usage}'`);
  return targets;
}

/** `ReplicaSet.apps`: how kubectl names a kind in its messages. */
export function groupKind(res: ResourceInfo): string {
  return res.group ? `${res.kind}.${res.group}` : res.kind;
}

/** `deployments.apps`: how kubectl names a resource type in its messages. */
export function groupResource(res: ResourceInfo): string {
  return res.group ? `${res.resource}.${res.group}` : res.resource;
}

/** The text kubectl prints for an error, without the trailing newline. */
export function formatError(err: unknown): string {
  if (err instanceof ApiError) return `Error from server (${err.reason}): ${err.message}`;
  if (err instanceof Error) return `error: ${err.message}`;
  return `error: ${String(err)}`;
}
