// Maps a Kubernetes REST path onto a resource route: core group under /api/v1,
// other groups under /apis/{group}/{version}; namespaced objects under
// /namespaces/{ns}/{resource}, cluster-scoped ones and all-namespace lists at
// /{resource}.
import { resourceByPath, type ResourceInfo } from "@bosun/api";

export interface ResourceRoute {
  info: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export type Route =
  | { kind: "resource"; route: ResourceRoute }
  | { kind: "groupVersion"; group: string; version: string }
  | { kind: "unknown" };

export function parsePath(pathname: string): Route {
  const segments = pathname.split("/").filter((s) => s !== "").map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === "api" && segments.length >= 2) {
    [group, version, rest] = ["", segments[1], segments.slice(2)];
  } else if (segments[0] === "apis" && segments.length >= 3) {
    [group, version, rest] = [segments[1], segments[2], segments.slice(3)];
  } else {
    return { kind: "unknown" };
  }
  if (rest.length === 0) return { kind: "groupVersion", group, version };
  if (rest[0] === "namespaces" && rest.length >= 3) {
    const info = resourceByPath(group, version, rest[2]);
    if (info?.namespaced && rest.length <= 5) {
      return { kind: "resource", route: { info, namespace: rest[1], name: rest[3], subresource: rest[4] } };
    }
  }
  const info = resourceByPath(group, version, rest[0]);
  if (!info || rest.length > 3) return { kind: "unknown" };
  // A namespaced resource is served here only as the all-namespaces list and watch.
  if (info.namespaced && rest.length > 1) return { kind: "unknown" };
  const route: ResourceRoute = { info, name: rest[1], subresource: rest[2] };
  if (route.subresource !== undefined && !info.subresources.includes(route.subresource)) return { kind: "unknown" };
  return { kind: "resource", route };
}
