export { apiServiceIP, type ServiceRanges } from "./registry/service-allocation.js";
export { createApiServer, defaultServiceRanges, etcdClientOptions, systemNamespaces, type ApiServer, type ApiServerOptions, type EtcdTls } from "./server.js";
export type { PodLogSource, PodLogOptions } from "./http/logs.js";
export type { PodConnection, PodExecRequest, PodStreamSource, ProcessEvent, RemoteProcess } from "./http/streaming/source.js";
export { StatusError } from "./errors.js";
export type { TlsOptions } from "./http/app.js";
export { readTokenFile, parseTokenFile } from "./auth/token-file.js";
export {
  defaultEncryptionConfig,
  formatEncryptionConfig,
  newAesGcmKey,
  parseEncryptionConfig,
  type EncryptionConfiguration,
  type ResourceEncryption,
} from "./storage/value/encryption-config.js";
export { ensureEncryptionConfigFile, readEncryptionConfigFile } from "./storage/value/encryption-config-file.js";
export { encryptionStatusPath, type EncryptionStatus } from "./http/encryption-status.js";
export {
  defaultServiceAccountIssuer,
  serviceAccountIdentity,
  serviceAccountUser,
  type KubernetesClaims,
} from "./auth/service-account-tokens.js";
export { tokenVolumeSource } from "./registry/service-account-admission.js";
