export { createApiServer, systemNamespaces, type ApiServer, type ApiServerOptions } from "./server.js";
export type { PodLogSource, PodLogOptions } from "./http/logs.js";
export type { PodConnection, PodExecRequest, PodStreamSource, ProcessEvent, RemoteProcess } from "./http/streaming/source.js";
export { StatusError } from "./errors.js";
