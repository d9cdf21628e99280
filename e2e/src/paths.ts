import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The repository root: this file compiles to e2e/dist/src/paths.js. */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url)).replace(/\/$/, "");

export const masterMain = `${repoRoot}/packages/master/dist/src/main.js`;
export const agentMain = `${repoRoot}/packages/agent/dist/src/main.js`;
export const cliMain = `${repoRoot}/packages/cli/dist/src/main.js`;

/** The Node flags bosun-agent's launchers pass, from its package.json (as `bosun up` reads them). */
export const agentNodeFlags: string[] =
  (JSON.parse(readFileSync(`${repoRoot}/packages/agent/package.json`, "utf8")) as { bosun?: { nodeFlags?: string[] } }).bosun?.nodeFlags ?? [];
