// Option parsers shared by the commands, and the command class that spells
// boolean flags as kubectl does.
import { parseDuration } from "@bosun/api";
import { Command, InvalidArgumentError, type ParseOptionsResult } from "commander";

export { formatDuration } from "@bosun/api";

export function integer(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`"${value}" is not an integer.`);
  return Number.parseInt(value, 10);
}

/**
 * The bosun command tree. Boolean flags also take kubectl's (pflag's) spelling
 * `--watch=true|false` and `-w=false`, which commander only knows for options
 * with a value; such an option would also take the next positional argument as
 * its value (`rollout status -w deploy/web`), which a boolean flag never does.
 * `--flag=false` becomes the flag's `--no-flag` form where it has one, and is
 * left out (the flag keeps its default) where it has none.
 */
export class BosunCommand extends Command {
  override createCommand(name?: string): BosunCommand {
    return new BosunCommand(name);
  }

  override parseOptions(args: string[]): ParseOptionsResult {
    const end = args.indexOf("--");
    const flags = end < 0 ? args : args.slice(0, end);
    const literal = end < 0 ? [] : args.slice(end);
    return super.parseOptions([...flags.flatMap((arg) => this.spellBoolean(arg)), ...literal]);
  }

  private spellBoolean(arg: string): string[] {
    const m = /^(--[^=]+|-[^-=])=(.*)$/.exec(arg);
    if (!m) return [arg];
    const [, flag, value] = m as unknown as [string, string, string];
    const option = this.options.find((o) => o.long === flag || o.short === flag);
    if (!option?.long || option.required || option.optional || option.negate) return [arg];
    if (value === "true") return [option.long];
    if (value !== "false") this.error(`error: option '${option.flags}' takes true or false, not "${value}", e.g. ${option.long}=false`);
    const negation = this.options.find((o) => o.negate && o.attributeName() === option.attributeName());
    if (negation?.long) return [negation.long];
    if (option.defaultValue === true) this.error(`error: option '${option.flags}' cannot be turned off`);
    return [];
  }
}

/** A parser that takes one of `allowed` (hints say more about a value that is close or known but refused). */
export function oneOf<T extends string>(allowed: readonly T[], hints: Record<string, string> = {}): (value: string) => T {
  return (value) => {
    if ((allowed as readonly string[]).includes(value)) return value as T;
    const hint = hints[value] ?? (allowed.find((a) => a.toLowerCase() === value.toLowerCase()) ? " (values are case-sensitive)" : "");
    throw new InvalidArgumentError(`Use one of ${allowed.join(", ")}${hint}.`);
  };
}

/** A repeatable option: `-f a.yaml -f b.yaml`. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * A Go duration as kubectl's --timeout takes it ("30s", "2m", "1h30m", "500ms"),
 * or a bare number of seconds; answers milliseconds. 0 is accepted: it means no limit.
 */
export function duration(value: string): number {
  try {
    return parseDuration(value, { bareNumber: "s", allowZero: true });
  } catch (err) {
    // Commander prints this after naming the option and the value.
    throw new InvalidArgumentError((err as Error).message);
  }
}
