// An informer after client-go's: list once, then watch from the list's
// resourceVersion, keeping a local cache and telling handlers what changed. When
// the watch breaks it resumes from the last version seen; when that version is too
// old (410 Expired) it lists again and reports the difference, so handlers never
// depend on having seen every event.
import { objectKey, type KubeList, type KubeObject, type ResourceInfo, type Status, type WatchEvent } from "@bosun/api";
import { Backoff, sleep } from "./backoff.js";
import { createLogger } from "./logger.js";
import { ApiError, type ApiClient } from "./rest.js";

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Objects per page when (re)listing; client-go's reflector uses 500 too. */
  pageSize?: number;
}

const defaultPageSize = 500;

type AddHandler<T> = (obj: T) => void;
type UpdateHandler<T> = (oldObj: T, newObj: T) => void;
type DeleteHandler<T> = (obj: T) => void;

// Re-exported so that controllers find the cache's key function next to the cache.
export { objectKey };

export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly addHandlers: AddHandler<T>[] = [];
  private readonly updateHandlers: UpdateHandler<T>[] = [];
  private readonly deleteHandlers: DeleteHandler<T>[] = [];
  private readonly abort = new AbortController();
  private readonly log;
  private resourceVersion = "";
  private synced = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly client: ApiClient,
    private readonly res: ResourceInfo,
    private readonly opts: InformerOptions = {},
  ) {
    this.log = createLogger("informer", { resource: res.resource });
  }

  onAdd(handler: AddHandler<T>): this {
    this.addHandlers.push(handler);
    return this;
  }
  onUpdate(handler: UpdateHandler<T>): this {
    this.updateHandlers.push(handler);
    return this;
  }
  onDelete(handler: DeleteHandler<T>): this {
    this.deleteHandlers.push(handler);
    return this;
  }

  /** Lists, then follows the watch in the background. Resolves once the cache is synced. */
  async start(): Promise<void> {
    if (this.loop) throw new Error(`informer for ${this.res.resource} already started`);
    const backoff = new Backoff({ initialMs: 200, maxMs: 5000 });
    while (!this.abort.signal.aborted) {
      try {
        await this.relist();
        break;
      } catch (err) {
        this.log.warn({ err: String(err) }, "initial list failed; retrying");
        await sleep(backoff.next(), this.abort.signal);
      }
    }
    if (this.abort.signal.aborted) return; // stopped before the first list: not synced
    this.synced = true;
    this.loop = this.watchLoop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  private async watchLoop(): Promise<void> {
    const backoff = new Backoff({ initialMs: 200, maxMs: 5000 });
    while (!this.abort.signal.aborted) {
      try {
        for await (const event of this.client.watch<T>(this.res, {
          ...this.selection(),
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
          signal: this.abort.signal,
        })) {
          this.apply(event);
          backoff.reset();
        }
      } catch (err) {
        if (this.abort.signal.aborted) return;
        if (err instanceof ApiError && err.code === 410) {
          await this.relistQuietly();
          continue;
        }
        this.log.warn({ err: String(err) }, "watch failed; resuming after a pause");
        await sleep(backoff.next(), this.abort.signal);
      }
    }
  }

  private apply(event: WatchEvent<T>): void {
    if (event.type === "ERROR") {
      const status = event.object as unknown as Status;
      // 410: our version was compacted away. Throwing makes the loop relist.
      throw new ApiError(status);
    }
    if (event.type === "BOOKMARK") {
      this.resourceVersion = event.object.metadata.resourceVersion ?? this.resourceVersion;
      return;
    }
    const obj = event.object;
    const key = objectKey(obj);
    this.resourceVersion = obj.metadata.resourceVersion ?? this.resourceVersion;
    const old = this.cache.get(key);
    if (event.type === "DELETED") {
      this.cache.delete(key);
      this.emitDelete(old ?? obj);
    } else if (old) {
      this.cache.set(key, obj);
      this.emitUpdate(old, obj);
    } else {
      this.cache.set(key, obj);
      this.emitAdd(obj);
    }
  }

  private async relistQuietly(): Promise<void> {
    try {
      await this.relist();
    } catch (err) {
      this.log.warn({ err: String(err) }, "relist failed; retrying");
      await sleep(1000, this.abort.signal);
    }
  }

  /** Replaces the cache with a fresh list and reports the difference to handlers. */
  private async relist(): Promise<void> {
    const list = await this.listInPages();
    const fresh = new Map(list.items.map((item) => [objectKey(item), item] as const));
    for (const [key, old] of this.cache) {
      if (!fresh.has(key)) {
        this.cache.delete(key);
        this.emitDelete(old);
      }
    }
    for (const [key, obj] of fresh) {
      const old = this.cache.get(key);
      this.cache.set(key, obj);
      if (!old) this.emitAdd(obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emitUpdate(old, obj);
    }
    this.resourceVersion = list.metadata.resourceVersion ?? "";
  }

  /**
   * Lists in pages, so a big collection is never one huge response; every page is
   * read at the first page's revision. If that revision is compacted before the last
   * page, everything is listed in one request instead, as client-go's pager does.
   */
  private async listInPages(): Promise<KubeList<T>> {
    const limit = this.opts.pageSize ?? defaultPageSize;
    const items: T[] = [];
    let token: string | undefined;
    for (;;) {
      let page: KubeList<T>;
      try {
        page = await this.client.list<T>(this.res, { ...this.selection(), limit, ...(token !== undefined ? { continue: token } : {}) });
      } catch (err) {
        if (token !== undefined && err instanceof ApiError && err.code === 410) return this.client.list<T>(this.res, this.selection());
        throw err;
      }
      items.push(...page.items);
      token = page.metadata.continue;
      if (!token) return { ...page, items };
    }
  }

  private selection(): { namespace?: string; labelSelector?: string; fieldSelector?: string } {
    const { namespace, labelSelector, fieldSelector } = this.opts;
    return { namespace, labelSelector, fieldSelector };
  }

  private emitAdd(obj: T): void {
    for (const h of this.addHandlers) this.safely(() => h(obj));
  }
  private emitUpdate(old: T, obj: T): void {
    for (const h of this.updateHandlers) this.safely(() => h(old, obj));
  }
  private emitDelete(obj: T): void {
    for (const h of this.deleteHandlers) this.safely(() => h(obj));
  }

  /** A failing handler must not stop the informer for everyone else. */
  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err: String(err) }, "informer event handler threw");
    }
  }
}
