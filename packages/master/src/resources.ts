// The resources the master's components use, looked up once from the API table.
import { resourceByName, type ResourceInfo } from "@bosun/api";

function mustResource(name: string): ResourceInfo {
  const res = resourceByName(name);
  if (!res) throw new Error(`the API resource table has no "${name}"; @bosun/api and @bosun/master are out of step`);
  return res;
}

export const nodeResource = mustResource("nodes");
export const podResource = mustResource("pods");
export const eventResource = mustResource("events");
