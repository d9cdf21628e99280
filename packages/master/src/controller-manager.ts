// The leader-only half of the master: the scheduler and every controller, each a
// client of the apiserver through the REST API. The controllers share one set of
// informers; the scheduler keeps its own pod and node informers. Each records events
// under its own component name, as Kubernetes' do.
import { ApiEventRecorder, SharedInformers, type ApiClient } from "@bosun/client";
import {
  CronJobController,
  DaemonSetController,
  DeploymentController,
  DisruptionController,
  EndpointSliceController,
  EndpointsController,
  GarbageCollectorController,
  JobController,
  LocalPathProvisioner,
  NodeIpamController,
  PersistentVolumeBinder,
  PvProtectionController,
  PvcProtectionController,
  ReplicaSetController,
  newReplicationControllerController,
  RootCaPublisher,
  ServiceAccountsController,
  StatefulSetController,
  TtlAfterFinishedController,
  startNodeLifecycleController,
  type Controller,
  type ControllerContext,
} from "@bosun/controllers";
import { startScheduler } from "@bosun/scheduler";

export interface ControllerManagerOptions {
  client: ApiClient;
  nodeMonitorGraceMs: number;
  podEvictionTimeoutMs: number;
  /** The range nodes' pod CIDRs are cut from (--cluster-cidr). */
  clusterCidr: string;
  /** The prefix length of each node's pod CIDR (--node-cidr-mask-size). */
  nodeCidrMaskSize: number;
  /** The built-in local-path provisioner's settings; without them it does not run. */
  localStorage?: { storagePath: string; helperImage: string };
  /** The cluster CA's certificate, published in every namespace as kube-root-ca.crt. */
  rootCa: string;
}

export interface ControllerManager {
  stop(): Promise<void>;
}

type ControllerFactory = (ctx: ControllerContext, opts: ControllerManagerOptions) => Controller | undefined;

/** Each controller with the component name its events carry. */
const controllerFactories: Array<[component: string, factory: ControllerFactory]> = [
  ["deployment-controller", (ctx) => new DeploymentController(ctx)],
  ["replicaset-controller", (ctx) => new ReplicaSetController(ctx)],
  // Kubernetes' replication manager records under this name.
  ["replication-controller", (ctx) => newReplicationControllerController(ctx)],
  ["daemonset-controller", (ctx) => new DaemonSetController(ctx)],
  ["statefulset-controller", (ctx) => new StatefulSetController(ctx)],
  ["job-controller", (ctx) => new JobController(ctx)],
  ["ttl-after-finished-controller", (ctx) => new TtlAfterFinishedController(ctx)],
  ["cronjob-controller", (ctx) => new CronJobController(ctx)],
  ["garbage-collector-controller", (ctx) => new GarbageCollectorController(ctx)],
  // Kubernetes' disruption controller records under the controller manager's name.
  ["controllermanager", (ctx) => new DisruptionController(ctx)],
  ["endpoint-controller", (ctx) => new EndpointsController(ctx)],
  ["endpoint-slice-controller", (ctx) => new EndpointSliceController(ctx)],
  ["persistentvolume-binder-controller", (ctx) => new PersistentVolumeBinder(ctx)],
  // Rancher's provisioner records under its provisioner name.
  ["bosun.io/local-path", (ctx, opts) => (opts.localStorage ? new LocalPathProvisioner(ctx, opts.localStorage) : undefined)],
  ["pvc-protection-controller", (ctx) => new PvcProtectionController(ctx)],
  ["pv-protection-controller", (ctx) => new PvProtectionController(ctx)],
  ["serviceaccount-controller", (ctx) => new ServiceAccountsController(ctx)],
  ["root-ca-cert-publisher", (ctx, opts) => new RootCaPublisher(ctx, { rootCa: opts.rootCa })],
  // Kubernetes' range allocator records under this name.
  ["cidrAllocator", (ctx, opts) => new NodeIpamController(ctx, { clusterCidr: opts.clusterCidr, nodeCidrMaskSize: opts.nodeCidrMaskSize })],
];

export async function startControllerManager(opts: ControllerManagerOptions): Promise<ControllerManager> {
  const { client } = opts;
  const informers = new SharedInformers(client);
  const recorderFor = (component: string) => new ApiEventRecorder({ client, component });
  const controllers = controllerFactories
    .map(([component, factory]) => factory({ client, informers, recorder: recorderFor(component) }, opts))
    .filter((c): c is Controller => c !== undefined);
  // Whatever started is stopped again if a later part fails, so a failed start
  // leaves nothing running behind the leader election's back.
  const stops: Array<() => Promise<void>> = [() => informers.stop(), () => Promise.all(controllers.map((c) => c.stop())).then(() => undefined)];
  const stop = async () => {
    for (const s of [...stops].reverse()) await s();
  };
  try {
    await informers.start();
    await Promise.all(controllers.map((c) => c.run()));
    const scheduler = await startScheduler({ client, recorder: recorderFor("default-scheduler") });
    stops.push(() => scheduler.stop());
    const lifecycle = startNodeLifecycleController({
      client,
      gracePeriodMs: opts.nodeMonitorGraceMs,
      podEvictionTimeoutMs: opts.podEvictionTimeoutMs,
      recorder: recorderFor("node-controller"),
    });
    stops.push(() => lifecycle.stop());
  } catch (err) {
    await stop();
    throw err;
  }
  return { stop };
}
