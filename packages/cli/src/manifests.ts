// Reads Kubernetes manifests for apply and delete -f: a file, a directory of
// .yaml/.yml/.json files, or stdin ("-"); multi-document YAML and v1 Lists are
// flattened into one object per entry. Syntax errors name the file and line.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { KubeObject } from "@bosun/api";
import { parseAllDocuments } from "yaml";

export interface Manifest {
  object: KubeObject;
  /** The file it came from, or "STDIN". */
  source: string;
  /** 1-based line where its document starts. */
  line: number;
}

/** A manifest the CLI cannot use; the message says where and why. */
export class ManifestError extends Error {
  override readonly name = "ManifestError";
}

const manifestExtensions = [".yaml", ".yml", ".json"];

export async function loadManifests(path: string, stdin: AsyncIterable<Buffer | string> = process.stdin): Promise<Manifest[]> {
  if (path === "-") {
    let text = "";
    for await (const chunk of stdin) text += typeof chunk === "string" ? chunk : chunk.toString("utf8");
    return parseManifests(text, "STDIN");
  }
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new ManifestError(`the path "${path}" does not exist`);
  }
  if (!stat.isDirectory()) return parseManifests(readFileSync(path, "utf8"), path);
  const files = readdirSync(path)
    .filter((f) => manifestExtensions.some((ext) => f.endsWith(ext)))
    .sort()
    .map((f) => join(path, f));
  if (files.length === 0) throw new ManifestError(`no .yaml, .yml or .json files in directory "${path}"`);
  return files.flatMap((f) => parseManifests(readFileSync(f, "utf8"), f));
}

export function parseManifests(text: string, source: string): Manifest[] {
  const manifests: Manifest[] = [];
  const lineOf = lineIndex(text);
  for (const doc of parseAllDocuments(text, { prettyErrors: true })) {
    const error = doc.errors[0];
    if (error) {
      const pos = error.linePos?.[0];
      const where = pos ? `line ${pos.line}, column ${pos.col}` : "unknown position";
      // The library's message ends with a code excerpt; the first line is the reason.
      const reason = error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
      throw new ManifestError(`error parsing ${source}: ${where}: ${reason}`);
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    const line = lineOf(doc.contents?.range?.[0] ?? doc.range[0]);
    for (const object of flattenList(value, source, line)) manifests.push({ object, source, line });
  }
  return manifests;
}

function flattenList(value: unknown, source: string, line: number): KubeObject[] {
  const object = checkObject(value, `${source}:${line}`);
  if (object.kind !== "List") return [object];
  const items = (value as { items?: unknown }).items;
  if (!Array.isArray(items)) throw new ManifestError(`error validating "${source}" (line ${line}): a List needs an "items" array`);
  return items.map((item, i) => checkObject(item, `${source}:${line} items[${i}]`));
}

function checkObject(value: unknown, where: string): KubeObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ManifestError(`error validating "${where}": a manifest must be a mapping with apiVersion, kind and metadata, not ${describe(value)}`);
  }
  const obj = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof obj.apiVersion !== "string" || obj.apiVersion === "") problems.push("apiVersion not set");
  if (typeof obj.kind !== "string" || obj.kind === "") problems.push("kind not set");
  if (obj.metadata !== undefined && (typeof obj.metadata !== "object" || obj.metadata === null || Array.isArray(obj.metadata))) {
    problems.push("metadata must be a mapping");
  }
  if (problems.length > 0) throw new ManifestError(`error validating "${where}": error validating data: [${problems.join(", ")}]`);
  if (obj.kind !== "List") obj.metadata ??= {};
  return obj as unknown as KubeObject;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a sequence";
  return typeof value === "string" ? `the string "${value.slice(0, 40)}"` : `a ${typeof value}`;
}

/** Maps a character offset to a 1-based line number. */
function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}
