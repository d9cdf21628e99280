// The local images the Docker tests run, built by the project's own script when missing.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../..");

export const BUSYBOX_IMAGE = "bosun.local/busybox:1";
export const PAUSE_IMAGE = "bosun.local/pause:1";

export function ensureTestImages(): void {
  // The script is idempotent: it builds only the images that are missing.
  execFileSync("bash", [path.join(repoRoot, "scripts/build-images.sh")], { stdio: "inherit" });
}
