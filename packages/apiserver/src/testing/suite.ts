// The apiserver most test suites share: started before the suite's first test,
// stopped after its last.
import { after, before } from "node:test";
import { startTestApiServer, type TestApiServer } from "./apiserver.js";

export interface SuiteApiServer {
  /** The running server; valid from the suite's first test on. */
  readonly server: TestApiServer;
  /** The server's URL; valid from the suite's first test on. */
  readonly url: string;
}

/** Call inside describe(): registers the before/after hooks that start and stop an apiserver for that suite. */
export function apiServerForSuite(opts?: Parameters<typeof startTestApiServer>[0]): SuiteApiServer {
  let server: TestApiServer | undefined;
  before(async () => {
    server = await startTestApiServer(opts);
  });
  after(async () => server?.stop());
  const running = (): TestApiServer => {
    if (!server) throw new Error("the suite's apiserver is not running: use it inside the suite's tests, not while declaring them");
    return server;
  };
  return {
    get server() {
      return running();
    },
    get url() {
      return running().url;
    },
  };
}
