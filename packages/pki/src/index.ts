// @bosun/pki: the cluster CA, certificates and their requests, identities read
// from certificates, and join tokens. Everything is PEM on the outside.
export * from "./certificate.js";
export * from "./certificate-request.js";
export * from "./cluster-pki.js";
export * from "./files.js";
export * from "./identity.js";
export * from "./join-token.js";
export * from "./renewal.js";
