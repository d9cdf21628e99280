// Table output (meta.k8s.io Table), which kubectl asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`: the objects a get, list
// or watch would return, as rows of the kind's printer columns (from @bosun/api,
// the same `bosun get` prints), each row carrying the object's metadata, the
// whole object or nothing as `includeObject` says. After Kubernetes'
// endpoints/handlers/response.go (asTable) and the printers' TableConvertor.
import type { FastifyReply } from "fastify";
import { badRequest, isPlainObject, printerFor, type KubeObject, type TableColumnDefinition, type WatchEvent } from "@bosun/api";
import { StatusError } from "../errors.js";
import { negotiate } from "./accept.js";
import { first, type Query } from "./logs.js";
import type { ResourceRoute } from "./paths.js";

const tableGroup = "meta.k8s.io";
const tableVersions = ["v1", "v1beta1"] as const;
const includeObjectValues = ["Metadata", "None", "Object"] as const;

export interface TableRequest {
  /** The kind whose printer makes the rows. */
  kind: string;
  /** meta.k8s.io version of the Table and of the rows' PartialObjectMetadata. */
  version: (typeof tableVersions)[number];
  includeObject: (typeof includeObjectValues)[number];
}

const offered = [
  "application/json",
  "application/json;as=Table;v=v1;g=meta.k8s.io",
  "application/json;as=Table;v=v1beta1;g=meta.k8s.io",
];

/**
 * The Table a request on a resource asks for, or undefined for the objects
 * themselves. Only objects and their status have Tables; other subresources
 * (logs, scale, exec) answer as they always do.
 */
export function negotiateTable(accept: string | undefined, query: Query, route: ResourceRoute): TableRequest | undefined {
  if (route.subresource !== undefined && route.subresource !== "status") return undefined;
  const version = negotiate<TableRequest["version"] | "object">(
    accept,
    "object",
    (target) => (target.kind === "Table" && target.group === tableGroup ? tableVersions.find((v) => v === target.version) : undefined),
    offered,
  );
  if (version === "object") return undefined;
  const include = first(query, "includeObject") ?? "";
  const includeObject = include === "" ? "Metadata" : includeObjectValues.find((v) => v === include);
  if (includeObject === undefined) {
    throw new StatusError(
      badRequest(`Unable to convert to Table as requested: includeObject: Unsupported value: "${include}": supported values: "Metadata", "None", "Object"`),
    );
  }
  return { kind: route.info.kind, version, includeObject };
}

/** Makes the reply send whatever its handler sends as the negotiated Table; a Status (an error) goes as itself. */
export function replyWithTable(reply: FastifyReply, table: TableRequest): void {
  reply.type("application/json").serializer((payload: unknown) => JSON.stringify(asTable(payload, table, true)));
}

/**
 * Encodes watch events' objects as one-row Tables. Only the first carries the
 * column definitions, as Kubernetes sends them (kubectl keeps the last ones it saw).
 * A bookmark holds no object to print: its Table has no rows, only the
 * resourceVersion to resume from.
 */
export function tableWatchEncoder(table: TableRequest): (event: WatchEvent<KubeObject>) => WatchEvent<unknown> {
  let columnsSent = false;
  return ({ type, object }) => {
    if (type === "BOOKMARK") {
      const metadata = objectListMeta(object.metadata);
      return { type, object: { kind: "Table", apiVersion: `${tableGroup}/${table.version}`, metadata, columnDefinitions: null, rows: [] } };
    }
    const encoded = asTable(object, table, !columnsSent);
    columnsSent = true;
    return { type, object: encoded };
  };
}

/** A list (it has items) or one object as a Table; anything else, such as a Status, unchanged. */
export function asTable(value: unknown, table: TableRequest, withColumns: boolean, now: number = Date.now()): unknown {
  if (!isPlainObject(value) || value.kind === "Status" || !isPlainObject(value.metadata)) return value;
  const printer = printerFor(table.kind);
  const items = Array.isArray(value.items) ? (value.items as KubeObject[]) : undefined;
  const objects = items ?? [value as unknown as KubeObject];
  const metadata = items ? value.metadata : objectListMeta(value.metadata);
  const columnDefinitions: readonly TableColumnDefinition[] | null = withColumns ? printer.columns : null;
  return {
    kind: "Table",
    apiVersion: `${tableGroup}/${table.version}`,
    metadata,
    columnDefinitions,
    rows: objects.map((obj) => {
      const conditions = printer.conditions?.(obj) ?? [];
      return {
        cells: printer.cells(obj, now),
        ...(conditions.length > 0 ? { conditions } : {}),
        object: rowObject(obj, table),
      };
    }),
  };
}

function rowObject(obj: KubeObject, table: TableRequest): unknown {
  switch (table.includeObject) {
    case "Object":
      return obj;
    case "None":
      return null;
    case "Metadata":
      return { kind: "PartialObjectMetadata", apiVersion: `${tableGroup}/${table.version}`, metadata: obj.metadata };
  }
}

/** A single object's Table carries the object's resourceVersion, as Kubernetes' TableConvertor sets it. */
function objectListMeta(meta: { resourceVersion?: unknown }): Record<string, unknown> {
  return meta.resourceVersion === undefined ? {} : { resourceVersion: meta.resourceVersion };
}
