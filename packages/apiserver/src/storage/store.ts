// The object store over etcd: one JSON value per object, compare-and-swap on the
// key's mod_revision for every write. resourceVersion is never trusted from the
// stored bytes: it is the key's mod_revision, set on every read.
import type { Etcd3, IKeyValue } from "etcd3";
import { resources, type KubeObject, type ResourceInfo } from "@bosun/api";
import { KeyLayout, prefixEnd } from "./keys.js";

export interface StoredObject {
  object: KubeObject;
  /** The key's mod_revision. */
  revision: number;
}

/** Decodes one etcd value into an object carrying its resourceVersion. */
export function decodeObject(kv: IKeyValue, revision = Number(kv.mod_revision)): KubeObject {
  const object = JSON.parse(kv.value.toString("utf8")) as KubeObject;
  object.metadata = { ...object.metadata, resourceVersion: String(revision) };
  return object;
}

function encodeObject(object: KubeObject): Buffer {
  const { resourceVersion: _rv, ...metadata } = object.metadata;
  return Buffer.from(JSON.stringify({ ...object, metadata }));
}

export type CasResult = { ok: true; revision: number } | { ok: false };

export class Store {
  readonly keys: KeyLayout;

  constructor(
    readonly etcd: Etcd3,
    prefix: string,
  ) {
    this.keys = new KeyLayout(prefix);
  }

  /** etcd's current revision, from a count-only range (no values cross the wire). */
  async currentRevision(): Promise<number> {
    const key = this.keys.root + "/";
    const res = await this.etcd.kv.range({ key: Buffer.from(key), range_end: prefixEnd(key), count_only: true });
    return Number(res.header.revision);
  }

  async get(info: ResourceInfo, namespace: string | undefined, name: string): Promise<StoredObject | undefined> {
    const res = await this.etcd.kv.range({ key: Buffer.from(this.keys.objectKey(info, namespace, name)) });
    const kv = res.kvs[0];
    return kv ? { object: decodeObject(kv), revision: Number(kv.mod_revision) } : undefined;
  }

  /** Every object under prefix at one revision (the current one unless given). */
  async listPrefix(prefix: string, revision?: number): Promise<{ items: KubeObject[]; keys: string[]; revision: number }> {
    const res = await this.etcd.kv.range({
      key: Buffer.from(prefix),
      range_end: prefixEnd(prefix),
      ...(revision !== undefined ? { revision } : {}),
    });
    return {
      items: res.kvs.map((kv) => decodeObject(kv)),
      keys: res.kvs.map((kv) => kv.key.toString("utf8")),
      revision: Number(res.header.revision),
    };
  }

  /**
   * Up to limit (0: all) keys from startKey to the end of prefix, at revision (the
   * current one unless given). count is how many keys that whole range holds.
   */
  async range(
    prefix: string,
    startKey: string,
    limit: number,
    revision?: number,
  ): Promise<{ kvs: IKeyValue[]; more: boolean; count: number; revision: number }> {
    const res = await this.etcd.kv.range({
      key: Buffer.from(startKey),
      range_end: prefixEnd(prefix),
      ...(limit > 0 ? { limit } : {}),
      ...(revision !== undefined ? { revision } : {}),
    });
    return { kvs: res.kvs, more: res.more, count: Number(res.count), revision: Number(res.header.revision) };
  }

  /** Puts object only if its key does not exist; with lease, etcd removes it when the lease expires. */
  async create(info: ResourceInfo, object: KubeObject, lease?: string): Promise<CasResult> {
    const key = Buffer.from(this.keys.objectKey(info, object.metadata.namespace, object.metadata.name ?? ""));
    const res = await this.etcd.kv.txn({
      compare: [{ key, target: "Create", result: "Equal", create_revision: 0 }],
      success: [{ request_put: { key, value: encodeObject(object), ...(lease !== undefined ? { lease } : {}) } }],
    });
    return res.succeeded ? { ok: true, revision: Number(res.header.revision) } : { ok: false };
  }

  /** Puts object only if its key's mod_revision is still expectedRevision; lease as for create. */
  async update(info: ResourceInfo, object: KubeObject, expectedRevision: number, lease?: string): Promise<CasResult> {
    const key = Buffer.from(this.keys.objectKey(info, object.metadata.namespace, object.metadata.name ?? ""));
    const res = await this.etcd.kv.txn({
      compare: [{ key, target: "Mod", result: "Equal", mod_revision: expectedRevision }],
      success: [{ request_put: { key, value: encodeObject(object), ...(lease !== undefined ? { lease } : {}) } }],
    });
    return res.succeeded ? { ok: true, revision: Number(res.header.revision) } : { ok: false };
  }

  /** Deletes the object only if its key's mod_revision is still expectedRevision. */
  async delete(info: ResourceInfo, namespace: string | undefined, name: string, expectedRevision: number): Promise<CasResult> {
    const key = Buffer.from(this.keys.objectKey(info, namespace, name));
    const res = await this.etcd.kv.txn({
      compare: [{ key, target: "Mod", result: "Equal", mod_revision: expectedRevision }],
      success: [{ request_delete_range: { key } }],
    });
    return res.succeeded ? { ok: true, revision: Number(res.header.revision) } : { ok: false };
  }

  /** Removes every key under prefix in one request. */
  async deletePrefix(prefix: string): Promise<void> {
    await this.etcd.kv.deleteRange({ key: Buffer.from(prefix), range_end: prefixEnd(prefix) });
  }

  namespacedResources(): readonly ResourceInfo[] {
    return resources.filter((r) => r.namespaced);
  }
}
