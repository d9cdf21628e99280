// An apiserver on a free loopback port over its own throwaway etcd, for
// integration tests of this and other packages.
import { createApiServer, type ApiServerOptions } from "../server.js";
import { startTestEtcd, type TestEtcd } from "./etcd.js";
import { testPki } from "./pki.js";

export interface TestApiServer {
  url: string;
  etcd: TestEtcd;
  stop(): Promise<void>;
}

export async function startTestApiServer(
  opts: Partial<Pick<ApiServerOptions, "logSource" | "streamSource" | "watchCacheSize" | "prefix" | "eventTtlSeconds" | "staticTokens" | "advertiseAddress" | "serviceRanges" | "encryption" | "serviceAccounts">> = {},
): Promise<TestApiServer> {
  const etcd = await startTestEtcd();
  try {
    const pki = await testPki();
    const server = await createApiServer({
      etcdEndpoints: [etcd.endpoint],
      prefix: opts.prefix ?? "/registry",
      tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert },
      nodeCertificates: { ca: pki.ca, validityMs: 3_600_000 },
      ...opts,
    });
    const { port } = await server.listen("127.0.0.1", 0);
    return {
      url: `https://127.0.0.1:${port}`,
      etcd,
      async stop() {
        await server.close();
        await etcd.stop();
      },
    };
  } catch (err) {
    await etcd.stop();
    throw err;
  }
}
