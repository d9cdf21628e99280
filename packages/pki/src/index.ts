// @bosun/pki: the cluster CA, certificates and their requests, identities read
// from certificates, join tokens, and the service-account token signing key. Everything is PEM on the outside.
export * from "./certificate.js";
export * from "./certificate-request.js";
export * from "./cluster-pki.js";
export * from "./files.js";
export * from "./identity.js";
export * from "./join-token.js";
export * from "./renewal.js";
export * from "./service-account-key.js";
