// Keys that appear twice in one object of a JSON text. JSON.parse keeps the last
// value without a word; Kubernetes' strict decoding reports each as
// `duplicate field "spec.replicas"`, so the first value is never dropped
// unnoticed. One pass over the text, no second parse.

interface Frame {
  path: string;
  /** Keys seen so far; undefined for a list. */
  keys?: Set<string>;
  expectKey: boolean;
  /** The key (object) or index (list) of the value being read. */
  current: string;
  index: number;
}

function childPath(frame: Frame | undefined): string {
  if (frame === undefined) return "";
  if (frame.keys === undefined) return `${frame.path}[${frame.index}]`;
  return frame.path === "" ? frame.current : `${frame.path}.${frame.current}`;
}

/** The index just past the string literal that opens at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i += 2;
    else if (c === 0x22) return i + 1;
    else i++;
  }
  return i;
}

/**
 * Paths of the duplicate keys in `text` ("spec.template.spec.containers[0].name"),
 * each once, in document order. Expects valid JSON; parse it first.
 */
export function duplicateJsonFields(text: string): string[] {
  const stack: Frame[] = [];
  const found = new Set<string>();
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '"') {
      const end = stringEnd(text, i);
      if (top?.keys !== undefined && top.expectKey) {
        const key = JSON.parse(text.slice(i, end)) as string;
        if (top.keys.has(key)) found.add(top.path === "" ? key : `${top.path}.${key}`);
        top.keys.add(key);
        top.current = key;
        top.expectKey = false;
      }
      i = end;
      continue;
    }
    if (c === "{") stack.push({ path: childPath(top), keys: new Set(), expectKey: true, current: "", index: 0 });
    else if (c === "[") stack.push({ path: childPath(top), expectKey: false, current: "", index: 0 });
    else if (c === "}" || c === "]") stack.pop();
    else if (c === "," && top !== undefined) {
      if (top.keys !== undefined) top.expectKey = true;
      else top.index++;
    }
    i++;
  }
  return [...found];
}
