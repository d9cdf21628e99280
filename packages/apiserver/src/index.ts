export { apiServiceIP, type ServiceRanges } from "./registry/service-allocation.js";
export { createApiServer, defaultServiceRanges, etcdClientOptions, systemNamespaces, type ApiServer, type ApiServerOptions, type EtcdTls } from "./server.js";
export type { PodLogSource, PodLogOptions } from "./http/logs.js";
export type { PodConnection, PodExecRequest, PodStreamSource, ProcessEvent, RemoteProcess } from "./http/streaming/source.js";
export { StatusError } from "./errors.js";
export type { TlsOptions } from "./http/app.js";
export { readTokenFile, parseTokenFile } from "./auth/token-file.js";
