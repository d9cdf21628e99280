// Continue tokens for paginated lists, encoded as Kubernetes encodes them
// (k8s.io/apiserver/pkg/storage/continue.go): unpadded base64url of
// {"v":"meta.k8s.io/v1","rv":<revision>,"start":<next key below the list's prefix>},
// so a token names the revision the first page was read at and where the next
// page starts. rv -1 marks the "inconsistent" token handed out after that
// revision was compacted: it continues at the latest revision instead.
import { posix } from "node:path";

const tokenVersion = "meta.k8s.io/v1";

/** The revision of an inconsistent continue token: read the rest at the latest revision. */
export const latestRevision = -1;

export interface ContinuePoint {
  /** The full etcd key the next page starts at (inclusive). */
  startKey: string;
  /** The revision every page is read at; latestRevision for "whatever is current". */
  revision: number;
}

/** The token for a page that ends at lastKey: the next page starts just after it. */
export function encodeContinue(lastKey: string, listPrefix: string, revision: number): string {
  return encodeStart(lastKey + "\0", listPrefix, revision);
}

/** The token that resumes at startKey itself (the inconsistent token after a compaction). */
export function encodeStart(startKey: string, listPrefix: string, revision: number): string {
  if (!startKey.startsWith(listPrefix)) {
    throw new Error(`cannot encode a continue token: key ${startKey} is not under the list prefix ${listPrefix}`);
  }
  const token = { v: tokenVersion, rv: revision, start: startKey.slice(listPrefix.length) };
  return Buffer.from(JSON.stringify(token)).toString("base64url");
}

/**
 * Decodes a client's continue token. Throws an Error whose message is the reason,
 * worded as Kubernetes words it ("continue key is not valid: ...").
 */
export function decodeContinue(value: string, listPrefix: string): ContinuePoint {
  if (!/^[A-Za-z0-9_-]*$/.test(value)) throw new Error("continue key is not valid: illegal base64 data");
  let token: unknown;
  try {
    token = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
  } catch (err) {
    throw new Error(`continue key is not valid: ${(err as Error).message}`);
  }
  const { v, rv, start } = (typeof token === "object" && token !== null ? token : {}) as Record<string, unknown>;
  if (v !== tokenVersion) {
    throw new Error(`continue key is not valid: server does not recognize this encoded version ${String(v ?? "")}`);
  }
  if (typeof rv !== "number" || !Number.isInteger(rv) || rv === 0) {
    throw new Error("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  }
  if (typeof start !== "string" || start === "") {
    throw new Error("continue key is not valid: encoded start key empty (version meta.k8s.io/v1)");
  }
  // As Kubernetes: a start key that path cleaning would change could reach above
  // the list's prefix ("../other-namespace/"), so it is refused.
  // (Go's path.Clean also drops a trailing slash, which normalize keeps.)
  const rooted = start.startsWith("/") ? start : "/" + start;
  const clean = rooted === "/" || (!rooted.endsWith("/") && posix.normalize(rooted) === rooted);
  if (!clean) throw new Error(`continue key is not valid: ${start}`);
  return { startKey: listPrefix + rooted.slice(1), revision: rv };
}
