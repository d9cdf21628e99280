// kube-apiserver's --token-auth-file: a CSV of `token,user,uid[,"group1,group2"]`,
// one bearer token a line, for users and automation without certificates.
import { readFileSync } from "node:fs";
import type { Identity } from "@bosun/pki";

function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else field += c;
  }
  fields.push(field);
  return fields.map((f) => f.trim());
}

export function parseTokenFile(text: string, source: string): Map<string, Identity> {
  const tokens = new Map<string, Identity>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const [token, user, uid, groups] = splitCsvLine(line);
    const where = `${source} line ${index + 1}`;
    if (!token || !user || uid === undefined || uid === "") {
      throw new Error(`${where}: expected token,user,uid[,"group1,group2"]; every token needs a user name and a uid`);
    }
    if (tokens.has(token)) throw new Error(`${where}: the same token appears twice; each token must name one user`);
    tokens.set(token, { user, groups: groups ? groups.split(",").map((g) => g.trim()).filter((g) => g !== "") : [] });
  });
  return tokens;
}

export function readTokenFile(path: string): Map<string, Identity> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`cannot read the token file ${path}: ${(err as Error).message}`);
  }
  return parseTokenFile(text, path);
}
