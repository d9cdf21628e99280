// GET /v1-bosun/encryption: which provider and key each encrypted resource is written
// with now and which it can read, by name only (never a secret), for the cluster's
// admins. `bosun secrets rotate` waits on it until every master writes with the new
// key before it rewrites the Secrets.
import { statusError, type Status } from "@bosun/api";
import { mastersGroup, type Identity } from "@bosun/pki";
import type { ResourceEncryptionStatus } from "../storage/value/encryption-providers.js";

export const encryptionStatusPath = "/v1-bosun/encryption";

export interface EncryptionStatus {
  resources: ResourceEncryptionStatus[];
}

/** The answer, or the Status that refuses it. */
export function encryptionStatus(identity: Identity | undefined, method: string, resources: ResourceEncryptionStatus[]): EncryptionStatus | Status {
  if (method !== "GET") return statusError(405, "MethodNotAllowed", `${encryptionStatusPath} takes GET`);
  if (!identity?.groups.includes(mastersGroup)) {
    return statusError(403, "Forbidden", `${encryptionStatusPath} is forbidden: User "${identity?.user ?? "system:anonymous"}" is not in ${mastersGroup}; ask a cluster admin`);
  }
  return { resources };
}
