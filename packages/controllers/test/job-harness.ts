// What the Job and CronJob integration tests add to controller-harness.ts: one
// apiserver for a whole file with a namespace per test (a Scene), and the test
// playing the agent by writing pod status with container restarts and exit codes,
// which the Job controller counts failures from.
import { mustResource, type Job, type JobCondition, type JobSpec, type Pod, type PodCondition, type PodStatus } from "@bosun/api";
import { ApiClient, SharedInformers } from "@bosun/client";
import type { TestApiServer } from "@bosun/apiserver/testing";
import { JobController, type Controller, type ControllerContext } from "../src/index.js";
import { createNamespace, listPods, RecordingRecorder } from "./controller-harness.js";

export const jobsResource = mustResource("jobs");
export const cronJobsResource = mustResource("cronjobs");
export const podsResource = mustResource("pods");
const namespacesResource = mustResource("namespaces");

/** One namespace with controllers running in it, all stopped by stop(). */
export interface Scene {
  client: ApiClient;
  namespace: string;
  recorder: RecordingRecorder;
  stop(): Promise<void>;
}

let sceneSeq = 0;

/** Starts the controllers `make` builds against `server`, in a fresh namespace. */
export async function startScene(server: TestApiServer, make: (ctx: ControllerContext) => Controller[]): Promise<Scene> {
  const client = new ApiClient({ server: server.url });
  const namespace = await createNamespace(client, `t${++sceneSeq}-${process.pid}`);
  const informers = new SharedInformers(client);
  const recorder = new RecordingRecorder();
  const controllers = make({ client, informers, recorder });
  await informers.start();
  await Promise.all(controllers.map((c) => c.run()));
  return {
    client,
    namespace,
    recorder,
    async stop() {
      await Promise.all(controllers.map((c) => c.stop()));
      await informers.stop();
      // Informers watch every namespace: leave nothing for the next test's controllers.
      await client.delete(namespacesResource, namespace);
    },
  };
}

/** The Job controller with a short failure backoff, so tests need not wait 10 s per failure. */
export function jobScene(server: TestApiServer, backoffMs = 50): Promise<Scene> {
  return startScene(server, (ctx) => [new JobController(ctx, { podFailureBackoffMs: backoffMs })]);
}

/** A Job as a user writes it, of one busybox container; the apiserver defaults the rest and generates its selector. */
export function newJob(scene: Scene, name: string, spec: Partial<JobSpec> = {}, restartPolicy: "Never" | "OnFailure" = "Never"): Promise<Job> {
  return scene.client.create<Job>(jobsResource, {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: scene.namespace },
    spec: { template: { spec: { restartPolicy, containers: [{ name: "main", image: "bosun.local/busybox:1" }] } }, ...spec },
  });
}

export function getJob(scene: Scene, name: string): Promise<Job> {
  return scene.client.get<Job>(jobsResource, name, scene.namespace);
}

/** The Job's condition of `type` while it is True. */
export function condition(job: Job, type: string): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === "True");
}

/** The scene's pods that neither finished nor are being deleted. */
export async function activePods(scene: Scene): Promise<Pod[]> {
  return (await podsOf(scene)).filter((p) => !["Succeeded", "Failed"].includes(p.status?.phase ?? "") && !p.metadata.deletionTimestamp);
}

export function podsOf(scene: Scene): Promise<Pod[]> {
  return listPods(scene.client, scene.namespace);
}

/** The reasons of the events about the object named `name` in the scene's namespace, in order. */
export function eventReasons(scene: Scene, name: string): string[] {
  return scene.recorder.events.filter((e) => e.object.metadata.namespace === scene.namespace && e.object.metadata.name === name).map((e) => e.reason);
}

/** Writes what an agent would report for a pod that finished, is running, or restarted. */
export async function reportPod(
  scene: Scene,
  name: string,
  phase: NonNullable<PodStatus["phase"]>,
  opts: { ready?: boolean; restartCount?: number; exitCode?: number; conditions?: PodCondition[] } = {},
): Promise<Pod> {
  const pod = await scene.client.get<Pod>(podsResource, name, scene.namespace);
  const now = new Date().toISOString();
  const finished = phase === "Succeeded" || phase === "Failed";
  const status: PodStatus = {
    phase,
    conditions: [{ type: "Ready", status: opts.ready ? "True" : "False", lastTransitionTime: now }, ...(opts.conditions ?? [])],
    containerStatuses: pod.spec.containers.map((c) => ({
      name: c.name,
      image: c.image ?? "",
      ready: opts.ready ?? false,
      restartCount: opts.restartCount ?? 0,
      state: finished
        ? { terminated: { exitCode: opts.exitCode ?? (phase === "Succeeded" ? 0 : 1), startedAt: now, finishedAt: now } }
        : { running: { startedAt: now } },
    })),
  };
  return scene.client.update<Pod>(podsResource, { ...pod, status }, { subresource: "status" });
}
