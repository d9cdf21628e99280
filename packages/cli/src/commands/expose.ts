// bosun expose: a Service for a Deployment, ReplicaSet, Pod or Service, as kubectl
// expose makes one (expose/exposed-service.ts computes it); created, or printed with
// --dry-run=client, or checked by the server with --dry-run=server.
import { isValidPortName, mustResource, parseLabelSelector, type IntOrString, type KubeObject, type Protocol, type ResourceInfo } from "@bosun/api";
import type { ApiClient } from "@bosun/client";
import { InvalidArgumentError, type Command } from "commander";
import { CliError, createClient, formatError, groupKind, namespaceOf, parseNamedTargets, type GlobalOptions } from "../context.js";
import { exposedService, exposeProtocols, exposeTypes, sessionAffinities, type ExposeFlags, type ExposeType } from "../expose/exposed-service.js";
import { io } from "../io.js";
import { loadManifests } from "../manifests.js";
import { qualifiedName } from "../printers/output.js";
import { describeResult, dryRunStrategies, objectOutputs, submitCreate, type DryRun, type ObjectOutput } from "../create/submit.js";
import { placeManifest } from "./apply.js";
import { collect, oneOf } from "./options.js";

const services = mustResource("services");

/** The kinds kubectl's canBeExposed allows that Bosun serves (it has no ReplicationControllers). */
const exposableKinds = new Set(["Deployment", "ReplicaSet", "Pod", "Service"]);


export interface ExposeOptions extends ExposeFlags {
  namespace: string;
  /** -f: manifests naming the objects to expose, instead of names. */
  filenames: readonly string[];
  dryRun: DryRun;
  output?: ObjectOutput;
  out: (text: string) => void;
  err: (line: string) => void;
}

const usage = "bosun expose deployment web --port=80 --target-port=8080";

/** An object to expose: its kind, and how to read it (a manifest's, or the server's). */
interface ToExpose {
  res: ResourceInfo;
  load: () => Promise<KubeObject>;
}

/** The objects -f files hold, or those named on the command line. */
async function objectsToExpose(client: ApiClient, args: readonly string[], opts: ExposeOptions): Promise<ToExpose[]> {
  if (opts.filenames.length > 0) {
    if (args.length > 0) throw new CliError(`name the objects to expose either as arguments or with -f, not both (got ${args.join(" ")} and -f)`);
    const manifests = [];
    for (const f of opts.filenames) manifests.push(...(await loadManifests(f)));
    if (manifests.length === 0) throw new CliError(`no objects to expose: ${opts.filenames.join(", ")} hold no documents`);
    return manifests.map((m) => {
      const { res, object } = placeManifest(m, opts.namespace);
      return { res, load: () => Promise.resolve(object) };
    });
  }
  return parseNamedTargets(args, usage).map(({ res, name }) => ({
    res,
    load: async () => ({ ...(await client.get(res, name, opts.namespace)), kind: res.kind }),
  }));
}

export async function runExpose(client: ApiClient, args: readonly string[], opts: ExposeOptions): Promise<number> {
  const objects = await objectsToExpose(client, args, opts);
  if (opts.name !== undefined && objects.length > 1) throw new CliError(`--name names one Service, but ${objects.length} objects were given; expose them one at a time`);
  let failed = false;
  for (const { res, load } of objects) {
    try {
      if (!exposableKinds.has(res.kind)) throw new CliError(`cannot expose a ${groupKind(res)}: bosun expose works on deployments, replicasets, pods and services`);
      const obj = await load();
      const service = exposedService(obj, qualifiedName(res, obj.metadata.name ?? ""), opts);
      const result = await submitCreate(client, services, service, opts.dryRun);
      opts.out(describeResult(services, result, "exposed", opts.dryRun, opts.output));
    } catch (err) {
      failed = true;
      opts.err(formatError(err));
    }
  }
  return failed ? 1 : 0;
}

// ---- flag parsers: a bad value stops the command before anything is read or written ----

export const parseServiceType = oneOf<ExposeType>(exposeTypes, {
  LoadBalancer: "; Bosun has no load balancers (use NodePort, or an Ingress)",
  ExternalName: "; an ExternalName Service points at a DNS name, not at pods, so there is nothing to expose (write its manifest instead)",
});
export const parseProtocol = oneOf<Protocol>(exposeProtocols, { SCTP: "; Bosun does not support SCTP" });
export const parseSessionAffinity = oneOf(sessionAffinities);
export const parseDryRun = oneOf<DryRun>(dryRunStrategies);
export const parseObjectOutput = oneOf<ObjectOutput>(objectOutputs);

export function parsePort(value: string): number {
  const port = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new InvalidArgumentError(`a port is a number from 1 to 65535.`);
  return port;
}

/** intstr.Parse: a number is a port number, anything else a container port's name. */
export function parseTargetPort(value: string): IntOrString {
  if (/^\d+$/.test(value)) return parsePort(value);
  const problems = isValidPortName(value);
  if (problems.length > 0) throw new InvalidArgumentError(`a target port is a number from 1 to 65535 or a container port's name: ${problems.join("; ")}.`);
  return value;
}

/** "app=web,tier=front": the only selector form a Service (and its labels) can hold. */
export function parseLabelMap(value: string): Record<string, string> {
  let requirements;
  try {
    requirements = parseLabelSelector(value).requirements;
  } catch (err) {
    throw new InvalidArgumentError(`${(err as Error).message}; write key=value pairs separated by commas, e.g. app=web,tier=frontend.`);
  }
  if (requirements.length === 0) throw new InvalidArgumentError("give at least one key=value pair, e.g. app=web.");
  const map: Record<string, string> = {};
  for (const r of requirements) {
    if (r.operator !== "=" && r.operator !== "==") {
      throw new InvalidArgumentError(`only key=value pairs are allowed here, not "${r.key}" with ${r.operator}: a Service selects pods by equal labels only.`);
    }
    map[r.key] = r.values[0]!;
  }
  return map;
}

/** The parsed command line: the Service's flags (commander spells --cluster-ip clusterIp), and where the object comes from and what to print. */
interface ExposeCommandFlags extends Omit<ExposeFlags, "clusterIP"> {
  filename?: string[];
  clusterIp?: string;
  dryRun: DryRun;
  output?: ObjectOutput;
}

export function registerExpose(program: Command): void {
  program
    .command("expose")
    .description("make a Service for a deployment, replicaset, pod or service (expose deployment web --port=80 --target-port=8080)")
    .argument("[resource...]", "a kind followed by names, or kind/name pairs (or -f)")
    .option("-f, --filename <path>", "manifest naming the object to expose (repeatable; - for stdin)", collect)
    .option("--port <port>", "the port the Service serves on (default: the object's port, when it declares ports)", parsePort)
    .option("--target-port <port>", "the container port (number or name) the Service sends to (default: the same as --port)", parseTargetPort)
    .option("--name <name>", "the Service's name (default: the object's)")
    .option("--type <type>", "ClusterIP (the default) or NodePort", parseServiceType)
    .option("--protocol <protocol>", "TCP or UDP (default: the object's port's protocol, else TCP)", parseProtocol)
    .option("--selector <k=v,...>", "the pods the Service selects (default: the object's selector, or a pod's labels)", parseLabelMap)
    .option("-l, --labels <k=v,...>", "the Service's labels (default: the object's labels)", parseLabelMap)
    .option("--cluster-ip <ip>", "the Service's cluster IP, or None for a headless Service (default: allocated)")
    .option("--session-affinity <affinity>", "None or ClientIP", parseSessionAffinity)
    .option("--dry-run <strategy>", "client: only print the Service; server: have the server check it without storing it; none: create it", parseDryRun, "none")
    .option("-o, --output <format>", "print the Service as yaml, json or name", parseObjectOutput)
    .action(async (args: string[], o: ExposeCommandFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      process.exitCode = await runExpose(createClient(globals), args, {
        namespace: namespaceOf(globals),
        filenames: o.filename ?? [],
        dryRun: o.dryRun,
        ...(o.output ? { output: o.output } : {}),
        ...(o.port !== undefined ? { port: o.port } : {}),
        ...(o.targetPort !== undefined ? { targetPort: o.targetPort } : {}),
        ...(o.name !== undefined ? { name: o.name } : {}),
        ...(o.type ? { type: o.type } : {}),
        ...(o.protocol ? { protocol: o.protocol } : {}),
        ...(o.selector ? { selector: o.selector } : {}),
        ...(o.labels ? { labels: o.labels } : {}),
        ...(o.clusterIp ? { clusterIP: o.clusterIp } : {}),
        ...(o.sessionAffinity ? { sessionAffinity: o.sessionAffinity } : {}),
        out: io.text,
        err: io.err,
      });
    });
}
