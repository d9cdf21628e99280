// The master's pieces, exported for tests and for tools that wire them by hand.
export { AgentClients, type AgentClientsOptions } from "./agent-clients.js";
export { AgentLogSource } from "./agent-logs.js";
export { AgentStreamSource } from "./agent-exec.js";
export * from "./config.js";
export * from "./dispatcher/index.js";
