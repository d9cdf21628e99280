// The resources the master's components use, looked up once from the API table.
import { mustResource } from "@bosun/api";

export const nodeResource = mustResource("nodes");
export const podResource = mustResource("pods");
export const eventResource = mustResource("events");
