// The service-account signing key: made once in the PKI directory (private half
// 0600), kept, half a pair refused; tokens signed with it pass for the issuer and
// an audience within their lifetime, and fail for another key, issuer, audience or
// once expired (a minute's leeway, as Kubernetes).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createServiceAccountKey,
  ensureServiceAccountKey,
  looksLikeJwt,
  serviceAccountKeyId,
  ServiceAccountTokenSigner,
  ServiceAccountTokenVerifier,
} from "../src/index.js";

test("the key is made once, its private half readable by its owner only; half a pair is refused", () => {
  const dir = mkdtempSync(join(tmpdir(), "bosun-sa-key-"));
  try {
    const made = ensureServiceAccountKey(dir);
    assert.equal(statSync(join(dir, "sa.key")).mode & 0o777, 0o600);
    assert.deepEqual(ensureServiceAccountKey(dir), made, "kept at the next start");
    rmSync(join(dir, "sa.pub"));
    assert.throws(() => ensureServiceAccountKey(dir), /sa\.key exists but .*sa\.pub does not; copy both from the first master/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a token passes for its issuer and an audience in its lifetime; nothing else does", async () => {
  const pair = createServiceAccountKey();
  const signer = new ServiceAccountTokenSigner(pair);
  const verifier = new ServiceAccountTokenVerifier([pair.publicKey]);
  const iat = 1_800_000_000;
  const token = await signer.sign({ iss: "https://issuer", sub: "system:serviceaccount:a:b", aud: ["api"], iat, nbf: iat, exp: iat + 600 });
  assert.ok(looksLikeJwt(token));
  const header = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString("utf8")) as { alg: string; kid: string };
  assert.deepEqual(header, { alg: "ES256", kid: serviceAccountKeyId(pair.publicKey) });
  const at = (s: number) => new Date(s * 1000);
  const check = { issuer: "https://issuer", audiences: ["other", "api"] };
  assert.equal((await verifier.verify(token, { ...check, now: at(iat + 10) })).sub, "system:serviceaccount:a:b");
  assert.equal((await verifier.verify(token, { ...check, now: at(iat + 650) })).sub, "system:serviceaccount:a:b", "a minute's leeway");
  await assert.rejects(verifier.verify(token, { ...check, now: at(iat + 700) }), /exp/);
  await assert.rejects(verifier.verify(token, { ...check, issuer: "https://elsewhere", now: at(iat + 10) }), /iss/);
  await assert.rejects(verifier.verify(token, { ...check, audiences: ["vault"], now: at(iat + 10) }), /aud/);
  const stranger = new ServiceAccountTokenVerifier([createServiceAccountKey().publicKey]);
  await assert.rejects(stranger.verify(token, { ...check, now: at(iat + 10) }), /signature/);
  assert.equal(looksLikeJwt("abcdef.0123456789abcdef"), false, "a bootstrap token is no JWT");
});
