// One informer per resource for every controller in a process, as client-go's
// SharedInformerFactory gives: the controller manager lists and watches pods once,
// however many controllers look at pods.
import type { KubeObject, ResourceInfo } from "@bosun/api";
import { Informer } from "./informer.js";
import type { ApiClient } from "./rest.js";

export class SharedInformers {
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private started = false;

  constructor(private readonly client: ApiClient) {}

  /** The informer of `res`; register handlers before start(). */
  for<T extends KubeObject>(res: ResourceInfo): Informer<T> {
    const key = `${res.group}/${res.resource}`;
    let informer = this.informers.get(key);
    if (!informer) {
      if (this.started) throw new Error(`informer for ${res.resource} requested after the shared informers started; ask for it before start()`);
      informer = new Informer<KubeObject>(this.client, res);
      this.informers.set(key, informer);
    }
    return informer as unknown as Informer<T>;
  }

  /** Starts every informer asked for so far; resolves when all are synced. */
  async start(): Promise<void> {
    this.started = true;
    await Promise.all([...this.informers.values()].map((i) => i.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
