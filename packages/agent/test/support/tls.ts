// The test process's cluster PKI for the agent's tests: one CA, the fake master's
// serving certificate, a master's client certificate (system:masters) for calling
// AgentService, and node credentials as an agent holds them after joining.
// Not a test file itself.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials, ServerCredentials, type ChannelOptions, type ChannelCredentials } from "@grpc/grpc-js";
import { AgentServiceClient } from "@bosun/proto";
import { createCertificateAuthority, mastersGroup, nodesGroup, nodeUser, signCertificate, type KeyPair } from "@bosun/pki";
import { NodeCredentials } from "../../src/identity/credentials.js";
import { IdentityStore, type NodeIdentity } from "../../src/identity/store.js";

const hourMs = 3_600_000;

let ca: Promise<KeyPair> | undefined;

/** The CA of the test process, made on first use. */
export function testCa(): Promise<KeyPair> {
  ca ??= createCertificateAuthority("bosun-agent-test-ca");
  return ca;
}

/** A CA of some other cluster, made on each call. */
export function foreignCa(): Promise<KeyPair> {
  return createCertificateAuthority("some-other-cluster-ca");
}

/**
 * A master's serving certificate for 127.0.0.1, signed by `by` (the test CA by
 * default); callers must present a certificate of the test CA either way, so an
 * impostor signed by another CA fails only on the caller's side.
 */
export async function masterServerCredentials(by?: KeyPair): Promise<ServerCredentials> {
  const clientCa = await testCa();
  const serving = await signCertificate(by ?? clientCa, { commonName: "bosun-test-dispatcher", sans: ["127.0.0.1", "localhost"], usages: ["server"], validityMs: hourMs });
  return ServerCredentials.createSsl(Buffer.from(clientCa.cert), [{ cert_chain: Buffer.from(serving.cert), private_key: Buffer.from(serving.key) }], true);
}

const identities = new Map<string, Promise<NodeIdentity>>();

/** A node's identity as the masters sign it at join: CN=system:node:NAME, O=system:nodes, DNS name NAME, client and server. */
export function nodeIdentity(nodeName: string): Promise<NodeIdentity> {
  let made = identities.get(nodeName);
  if (!made) {
    made = testCa().then(async (issuer) => {
      const signed = await signCertificate(issuer, {
        commonName: nodeUser(nodeName),
        organizations: [nodesGroup],
        sans: [nodeName],
        usages: ["client", "server"],
        validityMs: hourMs,
      });
      return { ca: issuer.cert, cert: signed.cert, key: signed.key };
    });
    identities.set(nodeName, made);
  }
  return made;
}

/** Fresh NodeCredentials for an Agent of `nodeName` (each Agent stops its own); nothing is stored on disk unless renewed. */
export async function nodeCredentials(nodeName: string): Promise<NodeCredentials> {
  const store = new IdentityStore(mkdtempSync(join(tmpdir(), "bosun-agent-test-identity-")));
  return new NodeCredentials(await nodeIdentity(nodeName), { nodeName, servers: [], store });
}

/** A client certificate of the test CA, for `commonName` in `groups`. */
export async function clientCertificate(commonName: string, groups: string[]): Promise<KeyPair> {
  return signCertificate(await testCa(), { commonName, organizations: groups, usages: ["client"], validityMs: hourMs });
}

let master: Promise<KeyPair> | undefined;

/** The channel to an agent's AgentService as a master dials it: a system:masters certificate, and the node's name checked on the agent's certificate. */
export async function agentServiceClient(endpoint: string, nodeName: string, as?: KeyPair): Promise<AgentServiceClient> {
  master ??= clientCertificate("system:bosun-master", [mastersGroup]);
  const identity = as ?? (await master);
  return new AgentServiceClient(endpoint, channelCredentials((await testCa()).cert, identity), agentTarget(nodeName));
}

export function channelCredentials(caCert: string, identity?: KeyPair): ChannelCredentials {
  return identity
    ? credentials.createSsl(Buffer.from(caCert), Buffer.from(identity.key), Buffer.from(identity.cert))
    : credentials.createSsl(Buffer.from(caCert));
}

/** An agent's certificate names its node, not its address. */
export function agentTarget(nodeName: string): ChannelOptions {
  return { "grpc.ssl_target_name_override": nodeName, "grpc.default_authority": nodeName };
}
