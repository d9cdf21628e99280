// Option parsers shared by the commands.
import { InvalidArgumentError } from "commander";

export function integer(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`"${value}" is not an integer.`);
  return Number.parseInt(value, 10);
}

/** kubectl-style booleans: --wait, --wait=true, --wait=false. */
export function boolean(value: string): boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  throw new InvalidArgumentError(`"${value}" is not true or false.`);
}

/** A repeatable option: `-f a.yaml -f b.yaml`. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
