// The rules of a TokenRequest (Kubernetes' ValidateTokenRequest): a token lives
// between 10 minutes and 2^32 seconds. ServiceAccounts themselves have no rules
// beyond their metadata, and a pod's serviceAccountName is checked with its spec.
import type { TokenRequest } from "./types/authentication.js";
import { defaultTokenExpirationSeconds } from "./types/authentication.js";
import type { StatusCause } from "./types/meta.js";
import { validateTokenExpiration } from "./validation-volumes.js";

export function validateTokenRequest(req: TokenRequest): StatusCause[] {
  return validateTokenExpiration(req.spec.expirationSeconds ?? defaultTokenExpirationSeconds, "spec.expirationSeconds");
}
