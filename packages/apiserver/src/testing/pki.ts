// One throwaway cluster PKI per test process: a CA, the API's serving
// certificate for 127.0.0.1 and an admin client certificate. Installing it makes
// every fetch of the process (ApiClient, call(), WatchReader) trust that CA and
// present the admin certificate, so tests reach an HTTPS apiserver unchanged.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, setGlobalDispatcher } from "undici";
import { createCertificateAuthority, mastersGroup, signCertificate, type KeyPair } from "@bosun/pki";

export interface TestPki {
  ca: KeyPair;
  server: KeyPair;
  admin: KeyPair;
  /** The same PEMs as files, for kubectl's flags and kubeconfigs. */
  files: { ca: string; cert: string; key: string };
}

let made: Promise<TestPki> | undefined;
let ready: TestPki | undefined;

async function makeTestPki(): Promise<TestPki> {
  const ca = await createCertificateAuthority("bosun-test-ca");
  const hour = 3_600_000;
  const server = await signCertificate(ca, { commonName: "bosun-test-apiserver", sans: ["localhost", "127.0.0.1"], usages: ["server"], validityMs: 24 * hour });
  const admin = await signCertificate(ca, { commonName: "test-admin", organizations: [mastersGroup], usages: ["client"], validityMs: 24 * hour });
  const dir = mkdtempSync(join(tmpdir(), "bosun-test-pki-"));
  const files = { ca: join(dir, "ca.crt"), cert: join(dir, "admin.crt"), key: join(dir, "admin.key") };
  writeFileSync(files.ca, ca.cert);
  writeFileSync(files.cert, admin.cert);
  writeFileSync(files.key, admin.key, { mode: 0o600 });
  setGlobalDispatcher(new Agent({ connect: { ca: ca.cert, cert: admin.cert, key: admin.key } }));
  return { ca, server, admin, files };
}

/** The process's test PKI, made (and installed for fetch) on first use. */
export async function testPki(): Promise<TestPki> {
  made ??= makeTestPki();
  ready = await made;
  return ready;
}

/** The test PKI once a test apiserver has started; for synchronous helpers such as kubectlCommand. */
export function startedTestPki(): TestPki {
  if (!ready) throw new Error("no test PKI yet: start a test apiserver (startTestApiServer) before running clients against it");
  return ready;
}
