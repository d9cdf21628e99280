// The node's identity on disk, under <data-dir>/pki: the cluster CA the agent
// pinned when it joined, its private key (never sent anywhere) and the
// certificate the masters signed for it.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { identityFromCertificate, nodeNameOf, writeFileAtomic } from "@bosun/pki";

export interface NodeIdentity {
  ca: string;
  cert: string;
  key: string;
}

export class IdentityStore {
  constructor(readonly dataDir: string) {}

  private path(file: string): string {
    return join(this.dataDir, "pki", file);
  }

  /** The stored identity of `nodeName`; undefined when none was stored yet. */
  load(nodeName: string): NodeIdentity | undefined {
    const [ca, cert, key] = ["ca.crt", "node.crt", "node.key"].map((f) => this.path(f));
    if (![ca, cert, key].every((p) => existsSync(p!))) return undefined;
    const identity = { ca: readFileSync(ca!, "utf8"), cert: readFileSync(cert!, "utf8"), key: readFileSync(key!, "utf8") };
    const owner = nodeNameOf(identityFromCertificate(identity.cert));
    if (owner !== nodeName) {
      throw new Error(
        `${this.path("node.crt")} is the certificate of node "${owner ?? "(not a node)"}", not "${nodeName}"; ` +
          `start the agent with --node-name ${owner ?? "NAME"}, or give this node its own --data-dir and a --token to join anew`,
      );
    }
    return identity;
  }

  save(identity: NodeIdentity): void {
    writeFileAtomic(this.path("ca.crt"), identity.ca, 0o644);
    writeFileAtomic(this.path("node.key"), identity.key, 0o600);
    writeFileAtomic(this.path("node.crt"), identity.cert, 0o644);
  }
}
