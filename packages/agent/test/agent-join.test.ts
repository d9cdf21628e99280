// Joining with a token and renewing, against a fake master's HTTPS endpoints
// (/cacerts and /v1-bosun/node-certificate): the agent checks the CA's hash before
// it sends the secret, keeps its key, stores what it got, and renews with its
// certificate; bad tokens and stale stored identities fail with what to do.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import {
  caHash,
  formatJoinToken,
  identityFromCertificate,
  identityFromSubject,
  nodeNameOf,
  nodesGroup,
  nodeUser,
  readCertificateRequest,
  signCertificate,
  type KeyPair,
} from "@bosun/pki";
import { obtainNodeCredentials } from "../src/identity/credentials.js";
import { IdentityStore } from "../src/identity/store.js";
import { foreignCa, testCa } from "./support/tls.js";

const hourMs = 3_600_000;
const token = { id: "abc123", secret: "0123456789abcdef" };

interface Seen {
  method: string;
  path: string;
  authorization?: string;
}

/** The two endpoints of a master that joining and renewal use, signing with `ca`; it records what it was sent. */
async function fakeMaster(ca: KeyPair) {
  const seen: Seen[] = [];
  const serving = await signCertificate(ca, { commonName: "fake-master", sans: ["127.0.0.1"], usages: ["server"], validityMs: hourMs });
  const body = async (req: IncomingMessage) => {
    let text = "";
    for await (const chunk of req) text += String(chunk);
    return JSON.parse(text) as { nodeName: string; csr: string };
  };
  const server: Server = createServer({ cert: serving.cert, key: serving.key, ca: ca.cert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    seen.push({ method: req.method ?? "", path: req.url ?? "", ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    const reply = (code: number, payload: unknown) => res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(payload));
    if (req.url === "/cacerts") return void res.writeHead(200, { "content-type": "text/plain" }).end(ca.cert);
    if (req.url !== "/v1-bosun/node-certificate" || req.method !== "POST") return reply(404, { kind: "Status", code: 404 });
    void body(req).then(async ({ nodeName, csr }) => {
      const socket = req.socket as TLSSocket;
      const peer = socket.authorized ? socket.getPeerCertificate().subject : undefined;
      const asNode = peer ? nodeNameOf(identityFromSubject(peer as unknown as Record<string, string | string[]>)) : undefined;
      const byToken = req.headers.authorization === `Bearer ${token.id}.${token.secret}`;
      if (!byToken && asNode === undefined) return reply(401, { kind: "Status", code: 401, message: "Unauthorized" });
      if (asNode !== undefined && asNode !== nodeName) return reply(403, { kind: "Status", code: 403, message: "a node may renew only its own certificate" });
      const request = await readCertificateRequest(csr);
      const signed = await signCertificate(ca, { commonName: nodeUser(nodeName), organizations: [nodesGroup], sans: [nodeName], usages: ["client", "server"], validityMs: hourMs }, request.publicKey);
      reply(201, { certificate: signed.cert, ca: ca.cert });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The certificate is for the private key in `keyPem`. */
function keyMatches(certPem: string, keyPem: string): boolean {
  return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
}

describe("joining with a token", () => {
  let ca: KeyPair;
  let master: Awaited<ReturnType<typeof fakeMaster>>;
  let dataDir: string;
  let joinToken: string;

  before(async () => {
    ca = await testCa();
    master = await fakeMaster(ca);
    dataDir = mkdtempSync(join(tmpdir(), "bosun-agent-join-"));
    joinToken = formatJoinToken({ caHash: caHash(ca.cert), ...token });
  });

  after(async () => {
    await master.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("the agent joins, keeps its key, stores its identity, and later starts from it without the token", async () => {
    const store = new IdentityStore(join(dataDir, "n1"));
    const joined = await obtainNodeCredentials({ nodeName: "n1", servers: [master.url], token: joinToken, store });
    assert.deepEqual(identityFromCertificate(joined.current.cert), { user: "system:node:n1", groups: ["system:nodes"] });
    assert.equal(joined.current.ca, ca.cert);
    assert.ok(keyMatches(joined.current.cert, joined.current.key), "the certificate is for the key the agent made");
    assert.deepEqual(
      master.seen.map((s) => `${s.method} ${s.path} ${s.authorization ?? "-"}`),
      ["GET /cacerts -", `POST /v1-bosun/node-certificate Bearer ${token.id}.${token.secret}`],
      "the CA first, unauthenticated; then the secret, over TLS verified with that CA",
    );
    const keyFile = join(dataDir, "n1", "pki", "node.key");
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(dataDir, "n1", "pki", "node.crt"), "utf8"), joined.current.cert);

    master.seen.length = 0;
    const restarted = await obtainNodeCredentials({ nodeName: "n1", servers: [master.url], store });
    assert.equal(restarted.current.cert, joined.current.cert);
    assert.deepEqual(master.seen, [], "a node with a stored certificate does not join again");
  });

  test("renewal asks with the node's certificate, gets a new key's certificate and stores it", async () => {
    const store = new IdentityStore(join(dataDir, "n2"));
    const credentials = await obtainNodeCredentials({ nodeName: "n2", servers: [master.url], token: joinToken, store });
    const first = credentials.current;
    master.seen.length = 0;
    await credentials.renew();
    const renewed = credentials.current;
    assert.notEqual(renewed.cert, first.cert);
    assert.notEqual(renewed.key, first.key, "a new key with each certificate");
    assert.ok(keyMatches(renewed.cert, renewed.key));
    assert.deepEqual(identityFromCertificate(renewed.cert), { user: "system:node:n2", groups: ["system:nodes"] });
    assert.deepEqual(master.seen.map((s) => s.authorization), [undefined], "no token: the certificate authenticates");
    assert.equal(store.load("n2")?.cert, renewed.cert);
  });

  test("a token pinning another CA is refused before the secret is sent", async () => {
    const other = formatJoinToken({ caHash: caHash((await foreignCa()).cert), ...token });
    master.seen.length = 0;
    const store = new IdentityStore(join(dataDir, "pinned"));
    await assert.rejects(
      obtainNodeCredentials({ nodeName: "pinned", servers: [master.url], token: other, store }),
      /is not the one the join token pins .*check --server and --token/,
    );
    assert.deepEqual(master.seen, [{ method: "GET", path: "/cacerts" }], "the secret never left the node");
    assert.equal(existsSync(join(dataDir, "pinned", "pki")), false, "nothing stored");
  });

  test("an unknown token, a malformed one, or none at all fail with what to do", async () => {
    const store = new IdentityStore(join(dataDir, "refused"));
    const unknown = formatJoinToken({ caHash: caHash(ca.cert), id: "zzz999", secret: "ffffffffffffffff" });
    await assert.rejects(obtainNodeCredentials({ nodeName: "refused", servers: [master.url], token: unknown, store }), /refused the join token .*'bosun token create'/);
    await assert.rejects(obtainNodeCredentials({ nodeName: "refused", servers: [master.url], token: "abc123.0123456789abcdef", store }), /the join token is malformed/);
    await assert.rejects(obtainNodeCredentials({ nodeName: "refused", servers: [master.url], store }), /has not joined a cluster yet .*pass --token/);
  });

  test("a stored identity of another node, or an expired one without a token, is refused", async () => {
    const store = new IdentityStore(join(dataDir, "stale"));
    const hoursAgo = (h: number) => new Date(Date.now() - h * hourMs);
    const expired = await signCertificate(ca, { commonName: nodeUser("stale"), organizations: [nodesGroup], sans: ["stale"], usages: ["client", "server"], validityMs: hourMs }, undefined, hoursAgo(2));
    store.save({ ca: ca.cert, ...expired });
    await assert.rejects(obtainNodeCredentials({ nodeName: "other", servers: [master.url], store }), /is the certificate of node "stale", not "other"/);
    await assert.rejects(obtainNodeCredentials({ nodeName: "stale", servers: [master.url], store }), /the node certificate in .* expired on .*join again/);
    const rejoined = await obtainNodeCredentials({ nodeName: "stale", servers: [master.url], token: joinToken, store });
    assert.notEqual(rejoined.current.cert, expired.cert, "with a token, an expired node joins anew");
  });
});
