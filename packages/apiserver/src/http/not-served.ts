// The 404 for a Kubernetes resource Bosun does not serve. Kubernetes answers an
// unknown resource with "the server could not find the requested resource"; a
// client that POSTs to one without asking discovery first (`kubectl create
// quota`) would print only that, so the message
// names the resource and says where the served ones are listed.
import { resourceByPath, routeNotFound, type Status } from "@bosun/api";

export function notFoundStatus(pathname: string): Status {
  const status = routeNotFound();
  const segments = pathname.split("/").filter((s) => s !== "");
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === "api" && segments.length >= 3) [group, version, rest] = ["", segments[1], segments.slice(2)];
  else if (segments[0] === "apis" && segments.length >= 4) [group, version, rest] = [segments[1], segments[2], segments.slice(3)];
  else return status;
  const resource = rest[0] === "namespaces" && rest.length >= 3 ? rest[2] : rest[0];
  if (resourceByPath(group, version, resource)) return status;
  const groupVersion = group === "" ? version : `${group}/${version}`;
  status.message = `${status.message ?? ""}: Bosun does not serve ${resource} (${groupVersion}); 'kubectl api-resources' lists the resources it serves`;
  return status;
}
