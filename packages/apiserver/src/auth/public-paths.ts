// Paths anonymous clients may reach, as kube-apiserver's system:public-info-viewer
// allows: health, version, and the CA bundle a joining agent checks against its
// token's hash before it trusts the server.
const exact = new Set(["/healthz", "/livez", "/readyz", "/version", "/cacerts"]);

export function isPublicPath(path: string): boolean {
  if (exact.has(path)) return true;
  return /^\/(healthz|livez|readyz)\/[a-z0-9-]+$/.test(path);
}
