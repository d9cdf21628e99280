// bosun create configmap|secret: a ConfigMap or Secret from literals, files and env
// files (create/sources.ts), made as kubectl's generators make them
// (create/objects.ts), created or dry-run and printed as `expose` does (create/submit.ts).
import { mustResource, type ConfigMap, type KubeObject, type Secret } from "@bosun/api";
import type { ApiClient } from "@bosun/client";
import type { Command } from "commander";
import { createClient, namespaceOf, type GlobalOptions } from "../context.js";
import { withHashSuffix } from "../create/hash.js";
import { configMapFrom, dockerRegistrySecretFrom, genericSecretFrom, tlsSecretFrom } from "../create/objects.js";
import { describeResult, dryRunStrategies, objectOutputs, submitCreate, type DryRun, type ObjectOutput } from "../create/submit.js";
import { io } from "../io.js";
import { collect, oneOf } from "./options.js";

const configMaps = mustResource("configmaps");
const secrets = mustResource("secrets");

interface CommonFlags {
  dryRun: DryRun;
  output?: ObjectOutput;
  appendHash?: boolean;
}

interface SourceFlags {
  fromLiteral?: string[];
  fromFile?: string[];
  fromEnvFile?: string[];
}

function sources(o: SourceFlags) {
  return { fromLiteral: o.fromLiteral ?? [], fromFile: o.fromFile ?? [], fromEnvFile: o.fromEnvFile ?? [] };
}

/** Creates (or dry-runs) the object and prints the result; answers the exit code. */
export async function runCreate(client: ApiClient, object: KubeObject, flags: CommonFlags, out: (text: string) => void): Promise<number> {
  const res = object.kind === "ConfigMap" ? configMaps : secrets;
  out(describeResult(res, await submitCreate(client, res, object, flags.dryRun), "created", flags.dryRun, flags.output));
  return 0;
}

function common(cmd: Command): Command {
  return cmd
    .option("--dry-run <strategy>", "client: only print it; server: have the server check it without storing it; none: create it", oneOf<DryRun>(dryRunStrategies), "none")
    .option("-o, --output <format>", "print it as yaml, json or name", oneOf<ObjectOutput>(objectOutputs))
    .option("--append-hash", "append a hash of the content to the name, as kubectl does (the same suffix)");
}

function withSources(cmd: Command): Command {
  return cmd
    .option("--from-literal <key=value>", "a key and its value (repeatable)", collect)
    .option("--from-file <[key=]path>", "a file's content under its name or the key given; a directory: each regular file in it (repeatable)", collect)
    .option("--from-env-file <path>", "KEY=VALUE lines (# comments; a KEY alone takes its value from the environment); not with --from-file or --from-literal", collect);
}

async function run(cmd: Command, make: (namespace: string) => ConfigMap | Secret, flags: CommonFlags): Promise<void> {
  const globals = cmd.optsWithGlobals<GlobalOptions>();
  // The object is made (files read, keys checked) before anything is sent.
  const made = make(namespaceOf(globals));
  const object = flags.appendHash ? withHashSuffix(made) : made;
  const client = createClient(globals);
  try {
    process.exitCode = await runCreate(client, object, flags, io.text);
  } finally {
    await client.close();
  }
}

export function registerCreate(program: Command): void {
  const create = program.command("create").description("create a ConfigMap or Secret from literals and files, as kubectl create does");
  withSources(common(create.command("configmap").alias("cm").description("a ConfigMap (UTF-8 values in data, other bytes in binaryData)").argument("<name>")))
    .action(async (name: string, o: SourceFlags & CommonFlags, cmd: Command) => run(cmd, (ns) => configMapFrom(name, ns, sources(o)), o));

  const secret = create.command("secret").description("a Secret: generic, tls or docker-registry");
  withSources(common(secret.command("generic").description("a Secret of any type (default Opaque) from literals and files").argument("<name>")))
    .option("--type <type>", "the Secret's type, e.g. kubernetes.io/basic-auth")
    .action(async (name: string, o: SourceFlags & CommonFlags & { type?: string }, cmd: Command) => run(cmd, (ns) => genericSecretFrom(name, ns, sources(o), o.type), o));
  common(secret.command("tls").description("a kubernetes.io/tls Secret from a PEM certificate and its key").argument("<name>"))
    .option("--cert <path>", "PEM certificate (chain)")
    .option("--key <path>", "PEM private key of the certificate")
    .action(async (name: string, o: CommonFlags & { cert?: string; key?: string }, cmd: Command) => run(cmd, (ns) => tlsSecretFrom(name, ns, o.cert, o.key), o));
  common(secret.command("docker-registry").description("a kubernetes.io/dockerconfigjson Secret for pulling images").argument("<name>"))
    .option("--docker-server <url>", "the registry", "https://index.docker.io/v1/")
    .option("--docker-username <name>", "user name")
    .option("--docker-password <password>", "password")
    .option("--docker-email <email>", "email")
    .option("--from-file <[key=]path>", "an existing docker config as .dockerconfigjson=<path> (repeatable)", collect)
    .action(async (name: string, o: CommonFlags & { dockerServer: string; dockerUsername?: string; dockerPassword?: string; dockerEmail?: string; fromFile?: string[] }, cmd: Command) =>
      run(
        cmd,
        (ns) =>
          dockerRegistrySecretFrom(name, ns, {
            server: o.dockerServer,
            ...(o.dockerUsername ? { username: o.dockerUsername } : {}),
            ...(o.dockerPassword ? { password: o.dockerPassword } : {}),
            ...(o.dockerEmail ? { email: o.dockerEmail } : {}),
            fromFile: o.fromFile ?? [],
          }),
        o,
      ),
    );
}
