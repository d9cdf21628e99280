// A minimal OpenAPI v3 document per group version. kubectl reads it to learn that
// the server validates fields itself (the fieldValidation parameter on PATCH);
// without it kubectl insists on validating manifests client-side against an
// OpenAPI v2 schema and refuses `create -f`. Bosun always validates strictly.
import { resources, type ResourceInfo } from "@bosun/api";

function gvPath(r: ResourceInfo): string {
  return r.group === "" ? `api/${r.version}` : `apis/${r.group}/${r.version}`;
}

export function openApiRoot(): unknown {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const r of resources) paths[gvPath(r)] = { serverRelativeURL: `/openapi/v3/${gvPath(r)}?hash=bosun-0.1.0` };
  return { paths };
}

/** The document for "api/v1" or "apis/{group}/{version}", or undefined if nothing is served there. */
export function openApiDocument(path: string): unknown {
  const served = resources.filter((r) => gvPath(r) === path);
  if (served.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const r of served) {
    const collection = r.namespaced ? `/${path}/namespaces/{namespace}/${r.resource}` : `/${path}/${r.resource}`;
    paths[`${collection}/{name}`] = {
      patch: {
        operationId: `patch${r.kind}`,
        "x-kubernetes-action": "patch",
        "x-kubernetes-group-version-kind": { group: r.group, version: r.version, kind: r.kind },
        parameters: [{ name: "fieldValidation", in: "query", schema: { type: "string", uniqueItems: true } }],
        responses: { "200": { description: "OK" } },
      },
    };
  }
  return { openapi: "3.0.0", info: { title: "Bosun", version: "v1.33.0" }, paths };
}
