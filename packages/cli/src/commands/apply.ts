// bosun apply -f: create each object, or fold the manifest into the live object
// and PUT it back with the live resourceVersion (compare-and-swap).
import { resourceByKind, type KubeObject, type ResourceInfo } from "@bosun/api";
import { isConflict, isNotFound, type ApiClient } from "@bosun/client";
import { CliError, formatError } from "../context.js";
import { loadManifests, type Manifest } from "../manifests.js";
import { isSubset, mergeOver } from "../merge.js";
import { objectName } from "../printers/output.js";
import type { Command } from "commander";
import { createClient, namespaceOf, type GlobalOptions } from "../context.js";
import { io } from "../io.js";
import { collect } from "./options.js";

export type ApplyResult = "created" | "configured" | "unchanged";

/** Resolves a manifest's kind and namespace, refusing what the server cannot take. */
export function placeManifest(m: Manifest, defaultNamespace: string): { res: ResourceInfo; object: KubeObject } {
  const { object } = m;
  const res = resourceByKind(object.apiVersion, object.kind);
  if (!res) {
    throw new CliError(
      `resource mapping not found for name: "${object.metadata.name ?? ""}" from "${m.source}" (line ${m.line}): no matches for kind "${object.kind}" in version "${object.apiVersion}"`,
    );
  }
  if (!object.metadata.name) {
    const hint = object.metadata.generateName ? " (generateName cannot be used with apply; use a fixed name)" : "";
    throw new CliError(`error validating "${m.source}" (line ${m.line}): resource name may not be empty${hint}`);
  }
  const placed: KubeObject = { ...object, metadata: { ...object.metadata } };
  if (res.namespaced) placed.metadata.namespace = object.metadata.namespace || defaultNamespace;
  else delete placed.metadata.namespace;
  return { res, object: placed };
}

export async function applyObject(client: ApiClient, res: ResourceInfo, desired: KubeObject): Promise<ApplyResult> {
  const name = desired.metadata.name!;
  const namespace = desired.metadata.namespace;
  // A lost race on the PUT is retried once against the newer object.
  for (let attempt = 0; ; attempt++) {
    let live: KubeObject;
    try {
      live = await client.get(res, name, namespace);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await client.create(res, desired, namespace);
      return "created";
    }
    const { status: _ignored, ...desiredWithoutStatus } = desired as KubeObject & { status?: unknown };
    if (isSubset(desiredWithoutStatus, live)) return "unchanged";
    const merged = mergeOver(live, desiredWithoutStatus) as KubeObject;
    merged.metadata.resourceVersion = live.metadata.resourceVersion!;
    try {
      await client.update(res, merged);
      return "configured";
    } catch (err) {
      if (!isConflict(err) || attempt >= 1) throw err;
    }
  }
}

export interface ApplyCommandOptions {
  filenames: readonly string[];
  namespace: string;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Applies every object; one failure does not stop the rest. Answers the exit code. */
export async function runApply(client: ApiClient, opts: ApplyCommandOptions): Promise<number> {
  const manifests = [];
  for (const f of opts.filenames) manifests.push(...(await loadManifests(f)));
  if (manifests.length === 0) throw new CliError(`no objects passed to apply (${opts.filenames.join(", ")} hold no documents)`);
  // Check every manifest before writing any, so a typo in the last document
  // does not leave the first ones half-applied.
  const placed = manifests.map((m) => placeManifest(m, opts.namespace));
  let failed = false;
  for (const { res, object } of placed) {
    try {
      const result = await applyObject(client, res, object);
      opts.out(`${objectName(res, object)} ${result}`);
    } catch (err) {
      failed = true;
      opts.err(formatError(err));
    }
  }
  return failed ? 1 : 0;
}

export function registerApply(program: Command): void {
  program
    .command("apply")
    .description("create or update objects from manifests (file, directory, or - for stdin)")
    .requiredOption("-f, --filename <path>", "manifest file, directory of manifests, or - for stdin (repeatable)", collect)
    .action(async (o: { filename: string[] }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      process.exitCode = await runApply(createClient(globals), {
        filenames: o.filename,
        namespace: namespaceOf(globals),
        out: io.line,
        err: io.err,
      });
    });
}
