import { fileURLToPath } from "node:url";

/** The repository root: this file compiles to e2e/dist/src/paths.js. */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url)).replace(/\/$/, "");

export const masterMain = `${repoRoot}/packages/master/dist/src/main.js`;
export const agentMain = `${repoRoot}/packages/agent/dist/src/main.js`;
export const cliMain = `${repoRoot}/packages/cli/dist/src/main.js`;
