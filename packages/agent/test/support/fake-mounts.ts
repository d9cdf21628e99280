// The node's mounts for tests without root: tmpfs mounts are recorded (the
// directory stays a plain one on the test's disk), a bind is a symlink from the
// target to the source (so the target reads as the source, as a bind does),
// unmounts forget them, and a test can make mounting fail as an agent that is not
// root sees it.
import { rm, symlink } from "node:fs/promises";
import type { HostMounts, TmpfsOptions } from "../../src/volumes/host-mounts.js";

export class FakeMounts implements HostMounts {
  /** The tmpfs mounts, by target. */
  readonly tmpfs = new Map<string, TmpfsOptions>();
  /** The binds, source by target. */
  readonly binds = new Map<string, string>();
  /** Every unmount, in order. */
  readonly unmounted: string[] = [];
  /** When set, mounting fails with it. */
  mountFailure: Error | undefined;

  async mountPoints(): Promise<Set<string>> {
    return new Set([...this.tmpfs.keys(), ...this.binds.keys()]);
  }

  async isFilesystemRoot(dir: string): Promise<boolean> {
    return this.tmpfs.has(dir);
  }

  async mountTmpfs(target: string, opts: TmpfsOptions): Promise<void> {
    if (this.mountFailure) throw this.mountFailure;
    if (this.tmpfs.has(target)) throw new Error(`${target} is mounted twice`);
    this.tmpfs.set(target, opts);
  }

  async bind(source: string, target: string): Promise<void> {
    if (this.mountFailure) throw this.mountFailure;
    if (this.binds.has(target)) throw new Error(`${target} is bound twice`);
    await rm(target, { recursive: true, force: true });
    await symlink(source, target);
    this.binds.set(target, source);
  }

  async unmount(target: string): Promise<void> {
    if (this.binds.delete(target)) await rm(target, { force: true });
    this.tmpfs.delete(target);
    this.unmounted.push(target);
  }
}
