// $(VAR) references in environment values, command and args, after Kubernetes'
// third_party/forked/golang/expansion: a reference to a known variable becomes its
// value, an unknown one stays as written, "$$" is a literal "$" (so "$$(VAR)"
// stays "$(VAR)"), and any other "$" is kept. Unlike a shell there is no nesting
// and no recursion: a value is expanded once, against what is defined before it.

/** A variable's value, or undefined when it is not defined. */
export type VariableLookup = (name: string) => string | undefined;

/** Looks a name up in each map in turn. */
export function lookupIn(...maps: ReadonlyMap<string, string>[]): VariableLookup {
  return (name) => {
    for (const m of maps) {
      const v = m.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}

export function expand(input: string, lookup: VariableLookup): string {
  let out = "";
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    // A "$" at the very end is kept as it is.
    if (input[cursor] !== "$" || cursor + 1 === input.length) continue;
    out += input.slice(checkpoint, cursor);
    const next = input[cursor + 1];
    if (next === "$") {
      out += "$";
      cursor += 1;
    } else if (next === "(") {
      const close = input.indexOf(")", cursor + 2);
      if (close === -1) {
        // An unclosed reference is written out; what follows is read on as plain text.
        out += "$(";
        cursor += 1;
      } else {
        const name = input.slice(cursor + 2, close);
        out += lookup(name) ?? `$(${name})`;
        cursor = close;
      }
    } else {
      out += `$${next}`;
      cursor += 1;
    }
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}
