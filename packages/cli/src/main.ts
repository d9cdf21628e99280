#!/usr/bin/env node
// The bosun command: wiring only; each command lives in commands/.
import { registerApply } from "./commands/apply.js";
import { registerCordon } from "./commands/cordon.js";
import { registerCreate } from "./commands/create.js";
import { registerDelete } from "./commands/delete.js";
import { registerDescribe } from "./commands/describe.js";
import { registerDown } from "./commands/down.js";
import { registerDrain } from "./commands/drain.js";
import { registerEtcd } from "./commands/etcd.js";
import { registerExpose } from "./commands/expose.js";
import { registerGet } from "./commands/get.js";
import { registerKubeconfig } from "./commands/kubeconfig.js";
import { BosunCommand } from "./commands/options.js";
import { registerLogs } from "./commands/logs.js";
import { registerPortForward } from "./commands/port-forward.js";
import { registerRollout } from "./commands/rollout.js";
import { registerScale } from "./commands/scale.js";
import { registerSecrets } from "./commands/secrets.js";
import { registerPki } from "./commands/pki.js";
import { registerToken } from "./commands/token.js";
import { registerUp } from "./commands/up.js";
import { registerVersion } from "./commands/version.js";
import { cliVersion, formatError } from "./context.js";

// `bosun get pods | head` closes stdout early; that is not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

const program = new BosunCommand("bosun")
  .description("Bosun: a Kubernetes-compatible container orchestrator")
  .version(cliVersion, "--client-version", "print the client version")
  .option("-s, --server <url>", "API server URL (default: $BOSUN_SERVER, then the kubeconfig's)")
  .option("--kubeconfig <file>", "kubeconfig with the cluster and credentials (default: $KUBECONFIG, then $BOSUN_HOME/kubeconfig, which bosun up writes)")
  .option("--context <name>", "the kubeconfig context to use (default: its current-context)")
  .option("-n, --namespace <namespace>", "namespace to act in", "default")
  .showHelpAfterError();

registerApply(program);
registerCreate(program);
registerGet(program);
registerDescribe(program);
registerDelete(program);
registerLogs(program);
registerScale(program);
registerExpose(program);
registerPortForward(program);
registerRollout(program);
registerCordon(program);
registerDrain(program);
registerVersion(program);
registerUp(program);
registerDown(program);
registerKubeconfig(program);
registerEtcd(program);
registerToken(program);
registerSecrets(program);
registerPki(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(formatError(err) + "\n");
  process.exitCode = 1;
}
