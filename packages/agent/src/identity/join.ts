// Joining a cluster with a token, after k3s: fetch the masters' CA bundle from
// /cacerts without trusting it, check its SHA-256 against the hash the token pins
// (a wrong cluster or a man in the middle fails here, before the secret is sent),
// then ask for a node certificate over TLS verified with that CA. The request
// carries a key made here; only the certificate comes back.
import { Agent as HttpsAgent, request } from "node:https";
import { caHash, createCertificateRequest, nodeUser, nodesGroup, type JoinToken } from "@bosun/pki";
import type { NodeIdentity } from "./store.js";

export const nodeCertificatePath = "/v1-bosun/node-certificate";

interface Reply {
  status: number;
  body: string;
}

export interface HttpsCall {
  method: "GET" | "POST";
  url: string;
  /** Trust only this CA; undefined: accept any certificate (used only to fetch /cacerts, which is then checked by hash). */
  ca?: string;
  /** A client certificate (renewal). */
  cert?: string;
  key?: string;
  headers?: Record<string, string>;
  body?: string;
}

export function httpsCall(call: HttpsCall, timeoutMs = 10_000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const agent = new HttpsAgent({
      ...(call.ca ? { ca: call.ca } : { rejectUnauthorized: false }),
      ...(call.cert && call.key ? { cert: call.cert, key: call.key } : {}),
    });
    const req = request(call.url, { method: call.method, agent, headers: call.headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(call.body);
  });
}

function statusMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === "string") return parsed.message;
  } catch {
    // Not a Status: show the text.
  }
  return body.slice(0, 200);
}

/** Asks a master for a node certificate; `auth` is the join token's bearer or the current certificate. */
export async function requestNodeCertificate(
  server: string,
  ca: string,
  nodeName: string,
  auth: { bearer: string } | { cert: string; key: string },
): Promise<NodeIdentity> {
  const req = await createCertificateRequest(nodeUser(nodeName), [nodesGroup]);
  const reply = await httpsCall({
    method: "POST",
    url: `${server}${nodeCertificatePath}`,
    ca,
    ...("bearer" in auth ? { headers: { authorization: `Bearer ${auth.bearer}`, "content-type": "application/json" } } : { ...auth, headers: { "content-type": "application/json" } }),
    body: JSON.stringify({ nodeName, csr: req.csr }),
  });
  if (reply.status === 401) {
    throw new Error(`${server} refused the join token (401: unknown, expired or malformed); create a new one on a master with 'bosun token create' and pass it with --token`);
  }
  if (reply.status !== 201) throw new Error(`${server} did not sign a certificate for node "${nodeName}" (HTTP ${reply.status}: ${statusMessage(reply.body)})`);
  const parsed = JSON.parse(reply.body) as { certificate?: unknown; ca?: unknown };
  if (typeof parsed.certificate !== "string") throw new Error(`${server} answered without a certificate`);
  return { ca, cert: parsed.certificate, key: req.key };
}

/** The cluster CA from a master, accepted only when its hash is the token's. */
export async function fetchPinnedCa(server: string, token: JoinToken): Promise<string> {
  const reply = await httpsCall({ method: "GET", url: `${server}/cacerts` });
  if (reply.status !== 200) throw new Error(`${server}/cacerts answered HTTP ${reply.status}; is ${server} a Bosun master?`);
  const hash = caHash(reply.body);
  if (hash !== token.caHash) {
    throw new Error(
      `the CA of ${server} (sha256 ${hash}) is not the one the join token pins (${token.caHash}); ` +
        "the token belongs to another cluster, or something is in between: check --server and --token",
    );
  }
  return reply.body;
}

/** Joins through the first server that answers; the errors of all of them when none does. */
export async function joinCluster(servers: readonly string[], token: JoinToken, nodeName: string): Promise<NodeIdentity> {
  const problems: string[] = [];
  for (const server of servers) {
    try {
      const ca = await fetchPinnedCa(server, token);
      return await requestNodeCertificate(server, ca, nodeName, { bearer: `${token.id}.${token.secret}` });
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  throw new Error(`could not join the cluster as node "${nodeName}": ${problems.join("; ")}`);
}
