// Who a certificate says its holder is, as Kubernetes reads client certificates:
// the common name is the user, each organization a group.
import { X509Certificate } from "node:crypto";

export interface Identity {
  user: string;
  groups: string[];
}

/** Kubernetes' group of every node, and the user-name prefix of a node's identity. */
export const nodesGroup = "system:nodes";
export const nodeUserPrefix = "system:node:";
/** Members may do anything (Kubernetes' superuser group). */
export const mastersGroup = "system:masters";
export const bootstrappersGroup = "system:bootstrappers";

export function nodeUser(nodeName: string): string {
  return `${nodeUserPrefix}${nodeName}`;
}

/** The node an identity belongs to, or undefined when it is not a node's. */
export function nodeNameOf(identity: Identity): string | undefined {
  if (!identity.groups.includes(nodesGroup) || !identity.user.startsWith(nodeUserPrefix)) return undefined;
  const name = identity.user.slice(nodeUserPrefix.length);
  return name === "" ? undefined : name;
}

/** Subject fields from Node's "CN=a\nO=b\nO=c" form, or its object form (a TLS peer certificate). */
export function identityFromSubject(subject: string | Record<string, string | string[] | undefined>): Identity {
  let cn: string[] = [];
  let o: string[] = [];
  if (typeof subject === "string") {
    for (const line of subject.split("\n")) {
      const eq = line.indexOf("=");
      if (eq < 0) continue;
      const [key, value] = [line.slice(0, eq), line.slice(eq + 1)];
      if (key === "CN") cn.push(value);
      if (key === "O") o.push(value);
    }
  } else {
    const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    cn = list(subject.CN);
    o = list(subject.O);
  }
  return { user: cn[0] ?? "", groups: o };
}

export function identityFromCertificate(pem: string | Buffer): Identity {
  return identityFromSubject(new X509Certificate(pem).subject);
}
