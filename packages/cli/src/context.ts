// What every command shares: the API client for the resolved server, the
// namespace to act in, resource-name resolution, and kubectl-style error text.
import { resourceByName, resources, type ResourceInfo } from "@bosun/api";
import { ApiClient, ApiError } from "@bosun/client";
import { resolveServer } from "./config.js";

export const cliVersion = "v0.1.0";

/** Options every command accepts (defined on the program). */
export interface GlobalOptions {
  server?: string;
  namespace?: string;
}

/** A mistake on the command line or in a manifest: printed as `error: ...`, exit 1. */
export class CliError extends Error {
  override readonly name = "CliError";
}

export function createClient(globals: GlobalOptions): ApiClient {
  const { server } = resolveServer({ flag: globals.server });
  return new ApiClient({ server, userAgent: `bosun/${cliVersion}` });
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

/**
 * Parses `<kind> <name...>` or `<kind>/<name>...`, the two forms kubectl accepts.
 * Returns the resource and names; names is empty for `<kind>` alone.
 */
export function parseTargets(args: readonly string[]): { res?: ResourceInfo; targets: Target[] } {
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
    return { targets };
  }
  const res = resolveResource(args[0]!);
  return { res, targets: args.slice(1).map((name) => ({ res, name })) };
}

/** The text kubectl prints for an error, without the trailing newline. */
export function formatError(err: unknown): string {
  if (err instanceof ApiError) return `Error from server (${err.reason}): ${err.message}`;
  if (err instanceof Error) return `error: ${err.message}`;
  return `error: ${String(err)}`;
}
