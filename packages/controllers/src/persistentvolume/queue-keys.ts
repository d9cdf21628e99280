// The keys of a controller that queues both claims and volumes (the binder, the
// provisioner): "claim/<namespace>/<name>" and "volume/<name>", one queue for both.

export const claimKey = (key: string): string => `claim/${key}`;
export const volumeKey = (name: string): string => `volume/${name}`;

/** Which kind a key names, and the claim's "namespace/name" or the volume's name. */
export function parseQueueKey(key: string): { kind: "claim" | "volume"; name: string } {
  const slash = key.indexOf("/");
  return { kind: key.slice(0, slash) === "claim" ? "claim" : "volume", name: key.slice(slash + 1) };
}
