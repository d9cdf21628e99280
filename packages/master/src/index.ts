// The master's pieces, exported for tests and for tools that wire them by hand.
export { AgentLogSource, type AgentLogSourceOptions } from "./agent-logs.js";
export { AgentStreamSource, type AgentStreamSourceOptions } from "./agent-exec.js";
export * from "./config.js";
export * from "./dispatcher/index.js";
