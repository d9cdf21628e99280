// POST /v1-bosun/node-certificate: how an agent gets (and later renews) the
// certificate that is its node identity, in the manner of k3s's
// /v1-k3s/client-kubelet.crt. A join token may ask for any node name; a node may
// renew only its own. The agent sends a request for a key it keeps; the
// certificate says CN=system:node:NAME, O=system:nodes, serves as the agent's
// client certificate towards the masters and as its server certificate (DNS name
// NAME) for the masters' calls to it.
import { badRequest, forbidden, isDNS1123Subdomain, isPlainObject, type Status } from "@bosun/api";
import {
  bootstrappersGroup,
  nodeNameOf,
  nodeUser,
  nodesGroup,
  readCertificateRequest,
  signCertificate,
  type Identity,
  type KeyPair,
} from "@bosun/pki";
import { StatusError } from "../errors.js";

export const nodeCertificatePath = "/v1-bosun/node-certificate";

export interface NodeCertificateRequest {
  nodeName: string;
  /** PEM "CERTIFICATE REQUEST" for the key the agent keeps. */
  csr: string;
}

export interface NodeCertificateResponse {
  certificate: string;
  ca: string;
}

export interface NodeCertificateSignerOptions {
  ca: KeyPair;
  validityMs: number;
  now?: () => Date;
}

function refuse(identity: Identity, reason: string): Status {
  return forbidden({ user: identity.user, verb: "create", resource: "node-certificate", reason });
}

export function parseNodeCertificateRequest(body: unknown): NodeCertificateRequest {
  if (!isPlainObject(body)) throw new StatusError(badRequest('the body must be a JSON object {"nodeName": ..., "csr": ...}'));
  const { nodeName, csr } = body as Record<string, unknown>;
  if (typeof nodeName !== "string") throw new StatusError(badRequest("nodeName must be a string"));
  const problems = isDNS1123Subdomain(nodeName);
  if (problems.length > 0) throw new StatusError(badRequest(`nodeName "${nodeName}" is not a valid node name: ${problems.join("; ")}`));
  if (typeof csr !== "string" || csr === "") throw new StatusError(badRequest("csr must be a PEM certificate request"));
  return { nodeName, csr };
}

export class NodeCertificateSigner {
  constructor(private readonly opts: NodeCertificateSignerOptions) {}

  get caBundle(): string {
    return this.opts.ca.cert;
  }

  async sign(identity: Identity, request: NodeCertificateRequest): Promise<NodeCertificateResponse> {
    const asNode = nodeNameOf(identity);
    if (asNode !== undefined) {
      if (asNode !== request.nodeName) throw new StatusError(refuse(identity, `a node may renew only its own certificate ("${asNode}")`));
    } else if (!identity.groups.includes(bootstrappersGroup)) {
      throw new StatusError(refuse(identity, "node certificates are given for a join token or to the node itself"));
    }
    let csr;
    try {
      csr = await readCertificateRequest(request.csr);
    } catch (err) {
      throw new StatusError(badRequest((err as Error).message));
    }
    const signed = await signCertificate(
      this.opts.ca,
      { commonName: nodeUser(request.nodeName), organizations: [nodesGroup], sans: [request.nodeName], usages: ["client", "server"], validityMs: this.opts.validityMs },
      csr.publicKey,
      this.opts.now?.() ?? new Date(),
    );
    return { certificate: signed.cert, ca: this.opts.ca.cert };
  }
}
