// Reads the human tables `bosun get` prints: a header row, columns separated by two
// or more spaces (values such as "1/1" or "10s" hold no double spaces).

export type Row = Record<string, string>;

export function parseTable(text: string): Row[] {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  if (lines.length === 0) return [];
  const header = lines[0]!.trim().split(/\s{2,}/);
  return lines.slice(1).map((line) => {
    const cells = line.trim().split(/\s{2,}/);
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ""]));
  });
}
