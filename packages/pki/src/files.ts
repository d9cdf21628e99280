// Key material on disk: written whole (temporary file, then rename) so a crash
// never leaves half a key, and private keys readable by their owner only.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { KeyPair } from "./certificate.js";

export function writeFileAtomic(path: string, data: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

export function pairPaths(dir: string, name: string): { cert: string; key: string } {
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

export function readPair(dir: string, name: string): KeyPair | undefined {
  const p = pairPaths(dir, name);
  if (!existsSync(p.cert) || !existsSync(p.key)) return undefined;
  return { cert: readFileSync(p.cert, "utf8"), key: readFileSync(p.key, "utf8") };
}

export function writePair(dir: string, name: string, pair: KeyPair): void {
  const p = pairPaths(dir, name);
  // The key first: a certificate without its key would be taken as complete.
  writeFileAtomic(p.key, pair.key, 0o600);
  writeFileAtomic(p.cert, pair.cert, 0o644);
}
