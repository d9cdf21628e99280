// The master's side of the test process's cluster PKI: the CA that
// startTestApiServer uses too, the dispatcher's serving certificate, the master's
// client certificate towards agents, and node certificates as agents hold them
// after joining. Not a test file itself.
import { credentials, ServerCredentials, type ChannelCredentials } from "@grpc/grpc-js";
import { testPki } from "@bosun/apiserver/testing";
import { nodesGroup, nodeUser, signCertificate, type KeyPair } from "@bosun/pki";

/** PEM trust and identity, in the shape serveNodeService, startDispatcher and AgentClients take. */
export interface PemTls {
  ca: string;
  cert: string;
  key: string;
}

const hourMs = 3_600_000;

/** The dispatcher's: a serving certificate for 127.0.0.1 and localhost; node certificates of the CA are accepted. */
export async function dispatcherTls(): Promise<PemTls> {
  const pki = await testPki();
  return { ca: pki.ca.cert, cert: pki.server.cert, key: pki.server.key };
}

/** The master's client identity towards agents: a certificate in system:masters. */
export async function masterTls(): Promise<PemTls> {
  const pki = await testPki();
  return { ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key };
}

const nodeCertificates = new Map<string, Promise<KeyPair>>();

/** A node's certificate as the apiserver signs it at join: CN=system:node:NAME, O=system:nodes, DNS name NAME, client and server. */
export function nodeCertificate(nodeName: string): Promise<KeyPair> {
  let made = nodeCertificates.get(nodeName);
  if (!made) {
    made = testPki().then((pki) =>
      signCertificate(pki.ca, { commonName: nodeUser(nodeName), organizations: [nodesGroup], sans: [nodeName], usages: ["client", "server"], validityMs: hourMs }),
    );
    nodeCertificates.set(nodeName, made);
  }
  return made;
}

/** What an agent of `nodeName` dials the dispatcher with. */
export async function nodeChannelCredentials(nodeName: string): Promise<ChannelCredentials> {
  const [pki, node] = await Promise.all([testPki(), nodeCertificate(nodeName)]);
  return credentials.createSsl(Buffer.from(pki.ca.cert), Buffer.from(node.key), Buffer.from(node.cert));
}

/** What an agent of `nodeName` serves AgentService with: its node certificate, callers must present one of the CA. */
export async function agentServerCredentials(nodeName: string): Promise<ServerCredentials> {
  const [pki, node] = await Promise.all([testPki(), nodeCertificate(nodeName)]);
  return ServerCredentials.createSsl(Buffer.from(pki.ca.cert), [{ cert_chain: Buffer.from(node.cert), private_key: Buffer.from(node.key) }], true);
}
