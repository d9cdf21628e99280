// Where each object lives in etcd: {prefix}/{group or "core"}/{resource}/{namespace}/{name},
// cluster-scoped kinds without the namespace segment.
import type { ResourceInfo } from "@bosun/api";

export class KeyLayout {
  readonly root: string;

  constructor(prefix: string) {
    this.root = prefix.replace(/\/+$/, "");
  }

  /** The prefix of every key of a resource, ending in "/". */
  resourcePrefix(info: ResourceInfo): string {
    return `${this.root}/${info.group === "" ? "core" : info.group}/${info.resource}/`;
  }

  /** The prefix that holds one namespace's objects, or the whole resource when namespace is unset. */
  listPrefix(info: ResourceInfo, namespace?: string): string {
    const base = this.resourcePrefix(info);
    return info.namespaced && namespace ? `${base}${namespace}/` : base;
  }

  objectKey(info: ResourceInfo, namespace: string | undefined, name: string): string {
    return info.namespaced ? `${this.resourcePrefix(info)}${namespace ?? ""}/${name}` : `${this.resourcePrefix(info)}${name}`;
  }
}

/** The smallest key greater than every key starting with prefix: etcd's range_end for a prefix. */
export function prefixEnd(prefix: string): Buffer {
  const buf = Buffer.from(prefix);
  for (let i = buf.length - 1; i >= 0; i--) {
    if (buf[i] < 0xff) {
      const end = Buffer.from(buf.subarray(0, i + 1));
      end[i]++;
      return end;
    }
  }
  return Buffer.from([0]);
}
