// Sets of field paths, as structured-merge-diff's fieldpath.Set keeps them: a
// trie whose steps are path elements, each node a member of the set or only on
// the way to members. Path elements are kept in their FieldsV1 encoding, the one
// metadata.managedFields shows: "f:<field>", "k:<JSON of the key fields>" for an
// item of a keyed list, "v:<JSON value>" for an item of a set, "i:<index>".
// A node that is a member and has children carries "." in FieldsV1.

/** One step of a path, in FieldsV1 encoding. */
export type PathElement = string;
export type FieldPath = readonly PathElement[];

const kindRank: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

function comparePathElements(a: PathElement, b: PathElement): number {
  const rank = (kindRank[a[0]!] ?? 9) - (kindRank[b[0]!] ?? 9);
  if (rank !== 0) return rank;
  if (a[0] === "i") return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

export class FieldSet {
  private member = false;
  private readonly children = new Map<PathElement, FieldSet>();

  /** Adds `path` as a member; the empty path (the whole object) is never a member. */
  insert(path: FieldPath): this {
    if (path.length === 0) return this;
    let node: FieldSet = this;
    for (const pe of path) {
      let next = node.children.get(pe);
      if (next === undefined) {
        next = new FieldSet();
        node.children.set(pe, next);
      }
      node = next;
    }
    node.member = true;
    return this;
  }

  has(path: FieldPath): boolean {
    const node = this.node(path);
    return path.length > 0 && node !== undefined && node.member;
  }

  /** The subtree under one path element, if any. */
  child(pe: PathElement): FieldSet | undefined {
    return this.children.get(pe);
  }

  /** Whether this node itself is a member (for a subtree returned by child). */
  get isMember(): boolean {
    return this.member;
  }

  private node(path: FieldPath): FieldSet | undefined {
    let node: FieldSet | undefined = this;
    for (const pe of path) node = node?.children.get(pe);
    return node;
  }

  isEmpty(): boolean {
    if (this.member) return false;
    for (const c of this.children.values()) if (!c.isEmpty()) return false;
    return true;
  }

  union(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member || other.member;
    for (const pe of new Set([...this.children.keys(), ...other.children.keys()])) {
      const a = this.children.get(pe);
      const b = other.children.get(pe);
      out.children.set(pe, a && b ? a.union(b) : (a ?? b)!.clone());
    }
    return out;
  }

  /** Members in both sets. */
  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && other.member;
    for (const [pe, a] of this.children) {
      const b = other.children.get(pe);
      if (b === undefined) continue;
      const c = a.intersection(b);
      if (!c.isEmpty()) out.children.set(pe, c);
    }
    return out;
  }

  /** Members of this set that are not members of `other` (not recursive: a member of other hides only itself). */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && !other.member;
    for (const [pe, a] of this.children) {
      const b = other.children.get(pe);
      const c = b === undefined ? a.clone() : a.difference(b);
      if (!c.isEmpty()) out.children.set(pe, c);
    }
    return out;
  }

  /** This set without the subtree under `pe` (and `pe` itself). */
  without(pe: PathElement): FieldSet {
    const out = this.clone();
    out.children.delete(pe);
    return out;
  }

  /** Only the subtree under `pe`. */
  only(pe: PathElement): FieldSet {
    const out = new FieldSet();
    const c = this.children.get(pe);
    if (c !== undefined) out.children.set(pe, c.clone());
    return out;
  }

  clone(): FieldSet {
    const out = new FieldSet();
    out.member = this.member;
    for (const [pe, c] of this.children) out.children.set(pe, c.clone());
    return out;
  }

  /**
   * Every field reached by "f:" that has children becomes a member too, as
   * structured-merge-diff's EnsureNamedFieldsAreMembers makes struct fields owned
   * by whoever owns something under them. (The served kinds have no maps of
   * objects, so every such node is a struct field.)
   */
  withNamedFieldsAsMembers(): FieldSet {
    const out = new FieldSet();
    out.member = this.member;
    for (const [pe, c] of this.children) {
      const n = c.withNamedFieldsAsMembers();
      if (pe.startsWith("f:") && c.children.size > 0) n.member = true;
      out.children.set(pe, n);
    }
    return out;
  }

  /** Member paths, in FieldsV1 order (a member before what is under it). */
  members(): FieldPath[] {
    const out: FieldPath[] = [];
    const walk = (node: FieldSet, path: PathElement[]) => {
      for (const pe of [...node.children.keys()].sort(comparePathElements)) {
        const c = node.children.get(pe)!;
        const p = [...path, pe];
        if (c.member) out.push(p);
        walk(c, p);
      }
    };
    walk(this, []);
    return out;
  }

  equals(other: FieldSet): boolean {
    if (this.member !== other.member) return false;
    const mine = [...this.children].filter(([, c]) => !c.isEmpty());
    const theirs = [...other.children].filter(([, c]) => !c.isEmpty());
    if (mine.length !== theirs.length) return false;
    return mine.every(([pe, c]) => {
      const o = other.children.get(pe);
      return o !== undefined && c.equals(o);
    });
  }

  /** The FieldsV1 JSON of this set. */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const pe of [...this.children.keys()].sort(comparePathElements)) {
      const c = this.children.get(pe)!;
      if (c.isEmpty()) continue;
      const inner = c.toFieldsV1();
      if (c.member && Object.keys(inner).length > 0) out[pe] = { ".": {}, ...inner };
      else out[pe] = inner;
    }
    return out;
  }

  /** Parses FieldsV1 JSON; throws an Error saying what is wrong with it. */
  static fromFieldsV1(json: unknown, at = "fieldsV1"): FieldSet {
    const node = new FieldSet();
    if (typeof json !== "object" || json === null || Array.isArray(json)) throw new Error(`${at} must be an object`);
    for (const [key, value] of Object.entries(json)) {
      if (key === ".") continue;
      checkPathElement(key, at);
      const child = FieldSet.fromFieldsV1(value, `${at}.${key}`);
      const entries = Object.keys(value as object);
      child.member = entries.length === 0 || entries.includes(".");
      node.children.set(key, child);
    }
    return node;
  }
}

function checkPathElement(pe: string, at: string): void {
  const kind = pe.slice(0, 2);
  const body = pe.slice(2);
  if (kind === "f:") return;
  try {
    if (kind === "k:" && typeof JSON.parse(body) === "object") return;
    if (kind === "v:") {
      JSON.parse(body);
      return;
    }
  } catch {
    throw new Error(`${at}: "${pe}" is not a valid path element: its JSON does not parse`);
  }
  if (kind === "i:" && /^\d+$/.test(body)) return;
  throw new Error(`${at}: "${pe}" is not a valid path element: it must start with f:, k:, v: or i:`);
}

function formatValue(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
}

/** A path as Kubernetes prints it in conflicts: `.spec.containers[name="web"].image`. */
export function pathString(path: FieldPath): string {
  return path
    .map((pe) => {
      const body = pe.slice(2);
      switch (pe.slice(0, 2)) {
        case "f:":
          return `.${body}`;
        case "k:": {
          const key = JSON.parse(body) as Record<string, unknown>;
          return `[${Object.entries(key)
            .map(([k, v]) => `${k}=${formatValue(v)}`)
            .join(",")}]`;
        }
        case "v:":
          return `[=${formatValue(JSON.parse(body))}]`;
        default:
          return `[${body}]`;
      }
    })
    .join("");
}
