export { createApiServer, systemNamespaces, type ApiServer, type ApiServerOptions } from "./server.js";
export type { PodLogSource, PodLogOptions } from "./http/logs.js";
export { StatusError } from "./errors.js";
