// bosun describe: one object's spec, status and conditions, with its recent events.
import {
  eventLastSeen,
  formatLabelSelector,
  isControlledBy,
  labelSelectorFromMatch,
  mustResource,
  type ConfigMap,
  type CronJob,
  type DaemonSet,
  type Deployment,
  type EndpointSlice,
  type Event,
  type Ingress,
  type Job,
  type KubeObject,
  type LabelSelectorSpec,
  type NetworkPolicy,
  type Node,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type Pod,
  type ReplicaSet,
  type ReplicationController,
  type Secret,
  type Service,
  type StatefulSet,
  type StorageClass,
  serviceNameLabel,
} from "@bosun/api";
import { ApiError, type ApiClient } from "@bosun/client";
import { CliError, formatError, parseTargets } from "../context.js";
import { describeGeneric, describeNode, describePod } from "../printers/describe.js";
import { describeConfigMap } from "../printers/describe-configmaps.js";
import { describeSecret } from "../printers/describe-secrets.js";
import { describePersistentVolume, describePersistentVolumeClaim, describeStorageClass } from "../printers/describe-storage.js";
import { describeIngress, describeNetworkPolicy, describeService, ingressServiceNames, type BackendService } from "../printers/describe-services.js";
import {
  describeCronJob,
  describeDaemonSet,
  describeDeployment,
  describeJob,
  describeReplicaSet,
  describeStatefulSet,
} from "../printers/describe-workloads.js";
import { listDeploymentReplicaSets, splitReplicaSets } from "../workloads/replicasets.js";
import type { Command } from "commander";
import { createClient, namespaceOf, type GlobalOptions } from "../context.js";
import { io } from "../io.js";

export interface DescribeOptions {
  namespace: string;
  out: (text: string) => void;
  err: (line: string) => void;
}


/** The events about one object, oldest first. */
export async function eventsFor(client: ApiClient, obj: KubeObject): Promise<Event[]> {
  const events = mustResource("events");
  const { name, namespace, uid } = obj.metadata;
  const eventNamespace = namespace || "default";
  const selector = [`involvedObject.name=${name}`, `involvedObject.namespace=${namespace ?? ""}`, ...(uid ? [`involvedObject.uid=${uid}`] : [])];
  let items: Event[];
  try {
    items = (await client.list<Event>(events, { namespace: eventNamespace, fieldSelector: selector.join(",") })).items;
  } catch (err) {
    // A server that does not index these fields answers 400: filter here instead.
    if (!(err instanceof ApiError) || err.code !== 400) throw err;
    items = (await client.list<Event>(events, { namespace: eventNamespace })).items.filter(
      (e) => e.involvedObject.name === name && (!uid || !e.involvedObject.uid || e.involvedObject.uid === uid),
    );
  }
  const time = (e: Event) => Date.parse(eventLastSeen(e) ?? "") || 0;
  return items.sort((a, b) => time(a) - time(b));
}

/** The pods a controller owns: matching its selector and naming it as their controller. */
async function podsOf(client: ApiClient, owner: KubeObject, selector: LabelSelectorSpec | undefined): Promise<Pod[]> {
  const labelSelector = selector ? formatLabelSelector(labelSelectorFromMatch(selector.matchLabels, selector.matchExpressions)) : "";
  const pods = await client.list<Pod>(mustResource("pods"), {
    ...(owner.metadata.namespace ? { namespace: owner.metadata.namespace } : {}),
    ...(labelSelector ? { labelSelector } : {}),
  });
  return pods.items.filter((p) => isControlledBy(p, owner));
}

/** A Service's EndpointSlices, found by the label their controller gives them. */
async function slicesOf(client: ApiClient, namespace: string, service: string): Promise<EndpointSlice[]> {
  const list = await client.list<EndpointSlice>(mustResource("endpointslices"), { namespace, labelSelector: `${serviceNameLabel}=${service}` });
  return list.items;
}

/** The Services an Ingress sends to, each with its slices, or the error that kept describe from reading them. */
async function backendServices(client: ApiClient, ing: Ingress): Promise<Map<string, BackendService>> {
  const namespace = ing.metadata.namespace ?? "default";
  const found = new Map<string, BackendService>();
  for (const name of ingressServiceNames(ing)) {
    try {
      const [service, slices] = await Promise.all([client.get<Service>(mustResource("services"), name, namespace), slicesOf(client, namespace, name)]);
      found.set(name, { service, slices });
    } catch (err) {
      // Shown in the backend's line, as kubectl shows it; the rest of the Ingress is still described.
      found.set(name, { error: err instanceof Error ? err.message : String(err) });
    }
  }
  return found;
}

/** The describe text of one object, fetching what its kind's describer shows beside it. */
async function describeObject(client: ApiClient, kind: string, obj: KubeObject, events: Event[]): Promise<string> {
  switch (kind) {
    case "Pod":
      return describePod(obj as Pod, events);
    case "Node": {
      const pods = await client.list<Pod>(mustResource("pods"), { fieldSelector: `spec.nodeName=${obj.metadata.name ?? ""}` });
      return describeNode(obj as Node, pods.items, events);
    }
    case "Deployment": {
      const d = obj as Deployment;
      return describeDeployment(d, splitReplicaSets(d, await listDeploymentReplicaSets(client, d)), events);
    }
    case "ReplicaSet": {
      const rs = obj as ReplicaSet;
      return describeReplicaSet(rs, await podsOf(client, rs, rs.spec.selector), events);
    }
    case "ReplicationController": {
      // kubectl describes an RC as a ReplicaSet whose selector is the RC's label map.
      const rc = obj as ReplicationController;
      const selector = { matchLabels: rc.spec.selector ?? {} };
      const asReplicaSet = { ...rc, spec: { ...rc.spec, selector } } as unknown as ReplicaSet;
      return describeReplicaSet(asReplicaSet, await podsOf(client, rc, selector), events);
    }
    case "DaemonSet": {
      const ds = obj as DaemonSet;
      return describeDaemonSet(ds, await podsOf(client, ds, ds.spec.selector), events);
    }
    case "StatefulSet": {
      const sts = obj as StatefulSet;
      return describeStatefulSet(sts, await podsOf(client, sts, sts.spec.selector), events);
    }
    case "Job":
      return describeJob(obj as Job, events);
    case "CronJob":
      return describeCronJob(obj as CronJob, events);
    case "Service": {
      const svc = obj as Service;
      // As kubectl: endpoints that cannot be read show as <none>, the Service is still described.
      const slices = await slicesOf(client, svc.metadata.namespace ?? "default", svc.metadata.name ?? "").catch(() => []);
      return describeService(svc, slices, events);
    }
    case "Ingress": {
      const ing = obj as Ingress;
      return describeIngress(ing, await backendServices(client, ing), events);
    }
    case "NetworkPolicy":
      // As kubectl: no events.
      return describeNetworkPolicy(obj as NetworkPolicy);
    case "Secret":
      // As kubectl: no events, and sizes instead of the generic describer's dump of every field.
      return describeSecret(obj as Secret);
    case "ConfigMap":
      return describeConfigMap(obj as ConfigMap, events);
    case "PersistentVolume":
      return describePersistentVolume(obj as PersistentVolume, events);
    case "PersistentVolumeClaim": {
      const pvc = obj as PersistentVolumeClaim;
      const pods = await client.list<Pod>(mustResource("pods"), { namespace: pvc.metadata.namespace ?? "default" });
      return describePersistentVolumeClaim(pvc, pods.items, events);
    }
    case "StorageClass":
      return describeStorageClass(obj as StorageClass, events);
    default:
      return describeGeneric(obj, events);
  }
}

export async function runDescribe(client: ApiClient, args: readonly string[], opts: DescribeOptions): Promise<number> {
  const { targets } = parseTargets(args);
  if (targets.length === 0) throw new CliError("you must specify the name of the object to describe, e.g. 'bosun describe pod web'");
  let failed = false;
  let first = true;
  for (const { res, name } of targets) {
    try {
      const obj = await client.get(res, name, res.namespaced ? opts.namespace : undefined);
      const text = await describeObject(client, res.kind, obj, await eventsFor(client, obj));
      // kubectl separates several descriptions with a blank line.
      opts.out((first ? "" : "\n") + text);
      first = false;
    } catch (err) {
      failed = true;
      opts.err(formatError(err));
    }
  }
  return failed ? 1 : 0;
}

export function registerDescribe(program: Command): void {
  program
    .command("describe")
    .description("show an object in detail with its recent events (describe pod web, describe node/n1)")
    .argument("<resource...>", "a kind followed by names, or kind/name pairs")
    .action(async (args: string[], _o: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      process.exitCode = await runDescribe(createClient(globals), args, { namespace: namespaceOf(globals), out: io.text, err: io.err });
    });
}
