// How the commands that make one object (`create`, `expose`) hand it over, as
// kubectl does: created, or only printed with --dry-run=client, or checked by the
// server without being stored with --dry-run=server; then printed with -o, or
// reported in one line ("configmap/app created (server dry run)").
import type { KubeObject, ResourceInfo } from "@bosun/api";
import type { ApiClient } from "@bosun/client";
import { printObjects, qualifiedName } from "../printers/output.js";

export const dryRunStrategies = ["none", "client", "server"] as const;
export type DryRun = (typeof dryRunStrategies)[number];
export const objectOutputs = ["yaml", "json", "name"] as const;
export type ObjectOutput = (typeof objectOutputs)[number];

/** The object as the server stored it (or, for a dry run, would have); with --dry-run=client, as given. */
export async function submitCreate<T extends KubeObject>(client: ApiClient, res: ResourceInfo, object: T, dryRun: DryRun): Promise<T> {
  if (dryRun === "client") return object;
  const namespace = object.metadata.namespace;
  if (dryRun === "none") return client.create(res, object, namespace);
  const response = await client.request("POST", `${client.path(res, namespace)}?dryRun=All`, object);
  return (await response.json()) as T;
}

/** What to print for the result: the object in the format asked for, or `kind/name <verb>` with the dry run named. */
export function describeResult(res: ResourceInfo, result: KubeObject, verb: string, dryRun: DryRun, output?: ObjectOutput): string {
  if (output) return printObjects(output, res, [result], true);
  const suffix = dryRun === "client" ? " (dry run)" : dryRun === "server" ? " (server dry run)" : "";
  return `${qualifiedName(res, result.metadata.name ?? "")} ${verb}${suffix}\n`;
}
