// The helper pods that make and remove a local-path volume's directory on its node,
// as Rancher's local-path-provisioner does: the master cannot reach a node's disk, so
// a short pod bound to that node mounts the storage directory and runs one shell
// command there. The provisioner waits for the pod to finish and deletes it.
import { dirname } from "node:path";
import { mustResource, objectKey, type Pod } from "@bosun/api";
import { createLogger, isAlreadyExists, isNotFound, type ApiClient, type Informer } from "@bosun/client";

const log = createLogger("controllers/local-path");
const podsRes = mustResource("pods");
export const helperPodNamespace = "kube-system";
/** Helper pods carry this label, naming what they do (create or teardown). */
export const helperPodLabel = "bosun.io/local-path-helper";

export type HelperAction = "create" | "teardown";

/** The shell command of each action; the directory comes in VOL_DIR. */
const scripts: Record<HelperAction, string> = {
  // World-writable, as Rancher's setup makes it, so a container of any user can write.
  create: 'mkdir -m 0777 -p "$VOL_DIR"',
  teardown: 'rm -rf "$VOL_DIR"',
};

export interface HelperPodOptions {
  client: ApiClient;
  pods: Informer<Pod>;
  image: string;
  /** How long a helper pod may take before the attempt fails and is retried. */
  timeoutMs: number;
}

export class HelperPods {
  /** Who waits for which helper pod to finish, by "namespace/name". */
  private readonly waiters = new Map<string, (pod: Pod | undefined) => void>();

  constructor(private readonly opts: HelperPodOptions) {
    const notify = (pod: Pod) => this.waiters.get(objectKey(pod))?.(pod);
    opts.pods.onAdd(notify).onUpdate((_old, pod) => notify(pod)).onDelete((pod) => this.waiters.get(objectKey(pod))?.(undefined));
  }

  /** Runs `action` for the directory `volumeDir` on `node`; throws when it fails or times out. */
  async run(action: HelperAction, node: string, volumeName: string, volumeDir: string): Promise<void> {
    const pod = this.podFor(action, node, volumeName, volumeDir);
    const key = objectKey(pod);
    const finished = this.waitForEnd(key);
    try {
      await this.opts.client.create(podsRes, pod, helperPodNamespace);
    } catch (err) {
      finished.cancel();
      // Left from an attempt that was cut short: removed, and the next attempt starts clean.
      if (isAlreadyExists(err)) await this.remove(pod);
      throw isAlreadyExists(err) ? new Error(`helper pod ${key} was left from an earlier attempt; it was deleted and the ${action} is retried`) : err;
    }
    try {
      const ended = await finished.promise;
      if (ended.status?.phase !== "Succeeded") {
        const terminated = ended.status?.containerStatuses?.[0]?.state?.terminated;
        const why = terminated ? `exit code ${terminated.exitCode}${terminated.message ? `: ${terminated.message}` : ""}` : "no exit status";
        throw new Error(`helper pod ${key} failed to ${action} ${volumeDir} on node ${node} (${why}); check the node's disk and the pod's events`);
      }
    } finally {
      // A failed clean-up must not hide what the helper said; the next attempt removes a leftover.
      await this.remove(pod).catch((err: unknown) => log.warn({ pod: key, err: String(err) }, "could not delete a helper pod; the next attempt removes it"));
    }
  }

  private podFor(action: HelperAction, node: string, volumeName: string, volumeDir: string): Pod {
    const storageDir = dirname(volumeDir);
    return {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `helper-pod-${action}-${volumeName}`, namespace: helperPodNamespace, labels: { [helperPodLabel]: action } },
      spec: {
        nodeName: node,
        restartPolicy: "Never",
        tolerations: [{ operator: "Exists" }],
        containers: [
          {
            name: "helper-pod",
            image: this.opts.image,
            imagePullPolicy: "IfNotPresent",
            command: ["sh", "-c", scripts[action]],
            env: [{ name: "VOL_DIR", value: volumeDir }],
            volumeMounts: [{ name: "data", mountPath: storageDir }],
          },
        ],
        volumes: [{ name: "data", hostPath: { path: storageDir, type: "DirectoryOrCreate" } }],
      },
    };
  }

  /** Resolves with the pod once it has Succeeded or Failed; rejects when it is deleted or the time is up. */
  private waitForEnd(key: string): { promise: Promise<Pod>; cancel: () => void } {
    let timer: NodeJS.Timeout | undefined;
    const cancel = () => {
      clearTimeout(timer);
      this.waiters.delete(key);
    };
    const promise = new Promise<Pod>((resolve, reject) => {
      timer = setTimeout(() => {
        cancel();
        reject(new Error(`helper pod ${key} did not finish within ${this.opts.timeoutMs / 1000}s; is its node up and the image ${this.opts.image} there?`));
      }, this.opts.timeoutMs);
      this.waiters.set(key, (pod) => {
        if (pod === undefined) {
          cancel();
          reject(new Error(`helper pod ${key} was deleted before it finished`));
        } else if (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") {
          cancel();
          resolve(pod);
        }
      });
    });
    return { promise, cancel };
  }

  private async remove(pod: Pod): Promise<void> {
    try {
      await this.opts.client.delete(podsRes, pod.metadata.name ?? "", { namespace: helperPodNamespace, gracePeriodSeconds: 0 });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
