import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, unlinkSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, connect, type TLSSocket } from "node:tls";
import { X509Certificate } from "node:crypto";
import {
  caHash,
  certificateSans,
  createCertificateAuthority,
  createCertificateRequest,
  ensureClusterPki,
  formatJoinToken,
  identityFromCertificate,
  newJoinToken,
  nodeNameOf,
  parseBearer,
  parseJoinToken,
  readCertificateRequest,
  renewalDue,
  signCertificate,
  signedBy,
} from "../src/index.js";

/** A real TLS handshake between a server and a client certificate of one CA; answers the server's view of the client. */
async function handshake(ca: string, server: { cert: string; key: string }, client: { cert: string; key: string }, servername: string) {
  const srv = createServer({ cert: server.cert, key: server.key, ca, requestCert: true, rejectUnauthorized: true });
  const seen = new Promise<{ subject: string }>((resolve) => {
    srv.on("secureConnection", (s: TLSSocket) => {
      resolve({ subject: String(s.getPeerCertificate().subject.CN) });
      s.end();
    });
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  try {
    await new Promise<void>((resolve, reject) => {
      const c = connect({ host: "127.0.0.1", port, servername, ca, cert: client.cert, key: client.key }, () => {
        c.end();
        resolve();
      });
      c.on("error", reject);
    });
    return await seen;
  } finally {
    srv.close();
  }
}

describe("certificates", () => {
  it("a CA signs server and client certificates that Node's TLS accepts both ways", async () => {
    const ca = await createCertificateAuthority("test-ca");
    const server = await signCertificate(ca, { commonName: "srv", sans: ["localhost", "127.0.0.1"], usages: ["server"], validityMs: 3_600_000 });
    const client = await signCertificate(ca, { commonName: "alice", organizations: ["dev", "ops"], usages: ["client"], validityMs: 3_600_000 });
    assert.ok(signedBy(server.cert, ca.cert));
    assert.deepEqual(certificateSans(server.cert).sort(), ["127.0.0.1", "localhost"]);
    assert.deepEqual(identityFromCertificate(client.cert), { user: "alice", groups: ["dev", "ops"] });
    assert.equal((await handshake(ca.cert, server, client, "localhost")).subject, "alice");
  });

  it("a certificate of another CA is not taken as signed by this one", async () => {
    const [a, b] = [await createCertificateAuthority("a"), await createCertificateAuthority("b")];
    const leaf = await signCertificate(a, { commonName: "x", usages: ["client"], validityMs: 60_000 });
    assert.equal(signedBy(leaf.cert, b.cert), false);
  });

  it("a request keeps the key with the requester and names who asks", async () => {
    const ca = await createCertificateAuthority("test-ca");
    const req = await createCertificateRequest("system:node:n1", ["system:nodes"]);
    const csr = await readCertificateRequest(req.csr);
    const signed = await signCertificate(ca, { commonName: "system:node:n1", organizations: ["system:nodes"], sans: ["n1"], usages: ["client", "server"], validityMs: 60_000 }, csr.publicKey);
    assert.equal(signed.key, "");
    assert.equal(new X509Certificate(signed.cert).checkPrivateKey((await import("node:crypto")).createPrivateKey(req.key)), true);
    assert.equal(nodeNameOf(identityFromCertificate(signed.cert)), "n1");
    await assert.rejects(readCertificateRequest("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"), /not a PEM "CERTIFICATE REQUEST"/);
  });

  it("renewal is due after 70% of the lifetime", async () => {
    const ca = await createCertificateAuthority("test-ca");
    const now = new Date("2026-01-01T00:00:00Z");
    const leaf = await signCertificate(ca, { commonName: "x", usages: ["client"], validityMs: 100 * 60_000 }, undefined, now);
    // notBefore is 5 minutes early for clock skew: a lifetime of 105 minutes.
    assert.equal(renewalDue(leaf.cert, new Date(now.getTime() + 60 * 60_000)), false);
    assert.equal(renewalDue(leaf.cert, new Date(now.getTime() + 70 * 60_000)), true);
    // A short-lived certificate is backdated by a tenth of its life at most, so it is not due at once.
    const short = await signCertificate(ca, { commonName: "x", usages: ["client"], validityMs: 60_000 }, undefined, now);
    assert.equal(renewalDue(short.cert, now), false);
    assert.equal(renewalDue(short.cert, new Date(now.getTime() + 41_000)), true);
  });
});

describe("the master's PKI directory", () => {
  it("is made once, keys 0600, and kept on the next start", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bosun-pki-"));
    try {
      const first = await ensureClusterPki({ dir, sans: ["10.1.2.3"] });
      assert.equal(statSync(join(dir, "ca.key")).mode & 0o777, 0o600);
      assert.equal(statSync(join(dir, "apiserver.key")).mode & 0o777, 0o600);
      assert.ok(certificateSans(first.apiserver.cert).includes("10.1.2.3"));
      assert.deepEqual(identityFromCertificate(first.admin.cert).groups, ["system:masters"]);
      const second = await ensureClusterPki({ dir, sans: ["10.1.2.3"] });
      assert.equal(second.ca.cert, first.ca.cert);
      assert.equal(second.apiserver.cert, first.apiserver.cert);
      // A new address: a new serving certificate from the same CA.
      const third = await ensureClusterPki({ dir, sans: ["10.1.2.3", "lab-master"] });
      assert.notEqual(third.apiserver.cert, first.apiserver.cert);
      assert.ok(certificateSans(third.apiserver.cert).includes("lab-master"));
      assert.equal(third.ca.cert, first.ca.cert);
      assert.equal(third.admin.cert, first.admin.cert);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses half a CA instead of making a second one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bosun-pki-"));
    try {
      await ensureClusterPki({ dir, sans: [] });
      const cert = readFileSync(join(dir, "ca.crt"), "utf8");
      unlinkSync(join(dir, "ca.key"));
      await assert.rejects(ensureClusterPki({ dir, sans: [] }), /ca\.crt exists but .*ca\.key does not; copy both from the first master/);
      assert.equal(readFileSync(join(dir, "ca.crt"), "utf8"), cert);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("join tokens", () => {
  it("round-trip and pin the CA bundle's hash", async () => {
    const ca = await createCertificateAuthority("test-ca");
    const token = newJoinToken(ca.cert);
    assert.equal(token.caHash, caHash(ca.cert));
    assert.deepEqual(parseJoinToken(formatJoinToken(token)), token);
    assert.deepEqual(parseBearer(`${token.id}.${token.secret}`), { id: token.id, secret: token.secret });
    assert.equal(parseBearer("not-a-token"), undefined);
  });

  it("malformed tokens are refused with the expected form", () => {
    assert.throws(() => parseJoinToken("hello"), /malformed: a join token looks like K10<64 hex digits>::/);
    assert.throws(() => parseJoinToken(`K10${"a".repeat(64)}::ABCDEF.0123456789abcdef`), /id "ABCDEF" must be 6 lower-case/);
    assert.throws(() => parseJoinToken(`K10${"a".repeat(64)}::abcdef.short`), /secret must be 16/);
  });

  it("a token is only made for a real CA certificate", () => {
    assert.throws(() => newJoinToken("not a certificate"));
  });
});
