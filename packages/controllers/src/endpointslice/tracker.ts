// Which EndpointSlice writes of this controller its informer has shown yet, after
// k8s.io/endpointslice/util EndpointSliceTracker. A slice's generation grows with
// every change of its endpoints or ports, so the generation the controller wrote
// tells whether a cached slice is older than its own write. Acting on a cache that
// lacks a slice just created would create its endpoints a second time.
import type { EndpointSlice, Service } from "@bosun/api";
import { objectKey } from "@bosun/api";
import { serviceKeyOfSlice } from "./labels.js";

/** Marks a slice this controller deleted and expects to see go. */
const deletionExpected = -1;

export class EndpointSliceTracker {
  /** By Service key: slice uid -> the generation this controller wrote, or deletionExpected. */
  private readonly byService = new Map<string, Map<string, number>>();
  /** By Service key: the uid of the Service the tracked writes were for. */
  private readonly serviceUids = new Map<string, string>();

  private generationsOf(slice: EndpointSlice, create: boolean): Map<string, number> | undefined {
    const key = serviceKeyOfSlice(slice);
    if (key === undefined) return undefined;
    let generations = this.byService.get(key);
    if (!generations && create) this.byService.set(key, (generations = new Map()));
    return generations;
  }

  /** Whether a slice event is news: not a write of this controller it already knows. */
  shouldSync(slice: EndpointSlice): boolean {
    const tracked = this.generationsOf(slice, false)?.get(slice.metadata.uid ?? "");
    return tracked === undefined || (slice.metadata.generation ?? 0) > tracked;
  }

  /**
   * Whether the cached slices of the Service are older than this controller's writes:
   * one shows an older generation or one expected deleted, or one written is missing.
   * Writes for an earlier Service of the same name no longer count.
   */
  isStale(service: Service, slices: readonly EndpointSlice[]): boolean {
    const key = objectKey(service);
    const uid = service.metadata.uid ?? "";
    const trackedUid = this.serviceUids.get(key);
    if (trackedUid !== undefined && trackedUid !== uid) this.byService.delete(key);
    this.serviceUids.set(key, uid);
    const generations = this.byService.get(key);
    if (!generations) return false;
    const present = new Set<string>();
    for (const slice of slices) {
      const sliceUid = slice.metadata.uid ?? "";
      present.add(sliceUid);
      const tracked = generations.get(sliceUid);
      if (tracked !== undefined && (tracked === deletionExpected || tracked > (slice.metadata.generation ?? 0))) return true;
    }
    for (const [sliceUid, generation] of generations) {
      if (generation !== deletionExpected && !present.has(sliceUid)) return true;
    }
    return false;
  }

  /** Records a slice as this controller wrote it (the API's answer to a create or update). */
  written(slice: EndpointSlice): void {
    this.generationsOf(slice, true)?.set(slice.metadata.uid ?? "", slice.metadata.generation ?? 0);
  }

  /** Records that this controller is deleting the slice; answers a function that undoes it if the delete fails. */
  expectDeletion(slice: EndpointSlice): () => void {
    const generations = this.generationsOf(slice, true);
    const uid = slice.metadata.uid ?? "";
    const before = generations?.get(uid);
    generations?.set(uid, deletionExpected);
    return () => {
      if (before === undefined) generations?.delete(uid);
      else generations?.set(uid, before);
    };
  }

  /** Forgets a deleted slice; answers whether this controller deleted it (an unexpected deletion needs a sync). */
  deleted(slice: EndpointSlice): boolean {
    const generations = this.generationsOf(slice, false);
    const uid = slice.metadata.uid ?? "";
    const tracked = generations?.get(uid);
    generations?.delete(uid);
    return tracked === deletionExpected;
  }

  deleteService(key: string): void {
    this.byService.delete(key);
    this.serviceUids.delete(key);
  }
}
