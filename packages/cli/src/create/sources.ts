// Where `bosun create configmap|secret` takes keys and values from, read as kubectl
// reads them (k8s.io/kubectl/pkg/cmd/create and cmd/util/env_file.go):
// `--from-literal key=value`, `--from-file [key=]path` (a directory: each regular file
// in it under its own name) and `--from-env-file path` (KEY=VALUE lines, `#` comments,
// a KEY alone takes its value from the environment), with kubectl's messages.
import { isUtf8 } from "node:buffer";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { isConfigMapKey, isEnvVarName } from "@bosun/api";
import { CliError } from "../context.js";

/** The keys gathered so far: text values, and (for ConfigMaps) bytes that are not UTF-8. */
export class KeyedData {
  readonly text = new Map<string, string>();
  readonly bytes = new Map<string, Buffer>();

  constructor(
    /** "ConfigMap" or "Secret", for the messages. */
    private readonly kind: string,
    private readonly name: string,
  ) {}

  private check(key: string): void {
    const problems = isConfigMapKey(key);
    if (problems.length > 0) throw new CliError(`"${key}" is not a valid key name for a ${this.kind}: ${problems.join(",")}`);
    if (this.text.has(key)) throw new CliError(`cannot add key "${key}", another key by that name already exists in Data for ${this.kind} "${this.name}"`);
    if (this.bytes.has(key)) throw new CliError(`cannot add key "${key}", another key by that name already exists in BinaryData for ${this.kind} "${this.name}"`);
  }

  addText(key: string, value: string): void {
    this.check(key);
    this.text.set(key, value);
  }

  /** A file's bytes: text when they are UTF-8, else binary. */
  addFile(key: string, data: Buffer): void {
    if (isUtf8(data)) return this.addText(key, data.toString("utf8"));
    this.check(key);
    this.bytes.set(key, data);
  }

  /** Every value as base64 (a Secret's data), text and bytes alike. */
  base64(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of this.text) out[k] = Buffer.from(v, "utf8").toString("base64");
    for (const [k, v] of this.bytes) out[k] = v.toString("base64");
    return out;
  }
}

function readError(path: string, err: unknown): CliError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === "ENOENT" ? "no such file or directory" : code === "EACCES" ? "permission denied" : (err as Error).message;
  return new CliError(`error reading ${path}: ${why}`);
}

export function parseLiteralSource(source: string): { key: string; value: string } {
  const at = source.indexOf("=");
  if (at < 0) throw new CliError(`invalid literal source ${source}, expected key=value`);
  return { key: source.slice(0, at), value: source.slice(at + 1) };
}

export function parseFileSource(source: string): { key: string; path: string; keyGiven: boolean } {
  const at = source.indexOf("=");
  if (at < 0) return { key: basename(source), path: source, keyGiven: false };
  const key = source.slice(0, at);
  const path = source.slice(at + 1);
  if (key === "") throw new CliError(`key name for file path ${path} missing`);
  if (path === "") throw new CliError(`file path for key name ${key} missing`);
  return { key, path, keyGiven: true };
}

export function addLiterals(into: KeyedData, sources: readonly string[]): void {
  for (const s of sources) {
    const { key, value } = parseLiteralSource(s);
    into.addText(key, value);
  }
}

export function addFiles(into: KeyedData, sources: readonly string[]): void {
  for (const s of sources) {
    const { key, path, keyGiven } = parseFileSource(s);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (err) {
      throw readError(path, err);
    }
    if (!isDir) {
      let data: Buffer;
      try {
        data = readFileSync(path);
      } catch (err) {
        throw readError(path, err);
      }
      into.addFile(key, data);
      continue;
    }
    if (keyGiven) throw new CliError("cannot give a key name for a directory path");
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (entry.isFile()) into.addFile(entry.name, readFileSync(join(path, entry.name)));
    }
  }
}

export function addEnvFiles(into: KeyedData, paths: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  for (const path of paths) {
    let data: Buffer;
    try {
      if (statSync(path).isDirectory()) throw new CliError("env config file cannot be a directory");
      data = readFileSync(path);
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw readError(path, err);
    }
    const lines = data.toString("utf8").replace(/^\uFEFF/, "").split(/\r?\n/);
    if (!isUtf8(data)) {
      const bad = lines.findIndex((l) => l.includes("\uFFFD"));
      throw new CliError(`env file ${path} contains invalid utf8 bytes at line ${bad + 1}`);
    }
    for (const raw of lines) {
      const line = raw.trimStart();
      if (line === "" || line.startsWith("#")) continue;
      const at = line.indexOf("=");
      const key = at < 0 ? line.trimEnd() : line.slice(0, at);
      const problems = isEnvVarName(key);
      if (problems.length > 0) throw new CliError(`"${key}" is not a valid key name: ${problems.join(";")}`);
      // A line without `=` takes its value from the environment, as kubectl does.
      into.addText(key, at < 0 ? (env[key] ?? "") : line.slice(at + 1));
    }
  }
}
