// Base64 as Kubernetes decodes a []byte field (Secret.data): Go's
// base64.StdEncoding, which wants padding, skips "\r" and "\n", and reports the
// first bad byte as "illegal base64 data at input byte N". Node's Buffer decoder
// accepts almost anything, so it cannot tell what the apiserver must refuse.

const alphabet = /[A-Za-z0-9+/]/;

function isNewline(c: string | undefined): boolean {
  return c === "\n" || c === "\r";
}

/** Go's CorruptInputError text for the first problem in `s`, or undefined when Go decodes it. */
export function base64Problem(s: string): string | undefined {
  const at = (offset: number) => `illegal base64 data at input byte ${offset}`;
  let i = 0;
  // One 4-character quantum per pass, as encoding/base64's decodeQuantum.
  while (i < s.length) {
    let j = 0;
    while (j < 4) {
      if (i === s.length) {
        // The input ended inside a quantum: padding was required.
        return j === 0 ? undefined : at(i - j);
      }
      const c = s[i++]!;
      if (alphabet.test(c)) {
        j++;
        continue;
      }
      if (isNewline(c)) continue;
      if (c !== "=") return at(i - 1);
      // Padding: only in the third or fourth place, and then the input must end.
      if (j < 2) return at(i - 1);
      if (j === 2) {
        while (i < s.length && isNewline(s[i])) i++;
        if (i === s.length) return at(s.length);
        if (s[i] !== "=") return at(i - 1);
        i++;
      }
      while (i < s.length && isNewline(s[i])) i++;
      return i < s.length ? at(i) : undefined;
    }
  }
  return undefined;
}

/** Whether Go would decode `s`; the check of the "byte" string format. */
export function isBase64(s: string): boolean {
  return base64Problem(s) === undefined;
}

/** How many bytes `s` decodes to (`s` valid base64). Buffer.byteLength would count the newlines Go skips. */
export function base64DecodedLength(s: string): number {
  return Buffer.from(s, "base64").length;
}

/** Each key of a map of base64 values ([]byte fields) with the size of its decoded value, sorted by key. */
export function decodedSizes(values: Record<string, string> | undefined): [key: string, bytes: number][] {
  return Object.entries(values ?? {})
    .map(([key, value]): [string, number] => [key, base64DecodedLength(value)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
