/**
 * Line-level diffs for review: a unified diff (with context) of two texts, and the files
 * packed inside bundle texts (`MODE PATH BASE64` and `OWNER MODE PATH BASE64` lines), so a
 * reviewer sees which file of a bundle changed and how, not a changed base64 blob.
 */

import { X509Certificate, createHash } from "node:crypto";
import * as x509 from "@peculiar/x509";

/** One line of a unified diff: ' ' context, '-' removed, '+' added. */
export interface DiffLine {
  readonly tag: " " | "-" | "+";
  readonly text: string;
}

/** The edit script between two line lists (Myers' O(ND) algorithm), as tagged lines. */
export function diffLines(a: readonly string[], b: readonly string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  // Walk the trace back from the end to recover the path.
  const out: DiffLine[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d];
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[offset + k - 1] < vd[offset + k + 1]) ? k + 1 : k - 1;
    const prevX = vd[offset + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      out.push({ tag: " ", text: a[x - 1] });
      x--;
      y--;
    }
    if (d === 0) break;
    if (x === prevX) out.push({ tag: "+", text: b[y - 1] });
    else out.push({ tag: "-", text: a[x - 1] });
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    out.push({ tag: " ", text: a[x - 1] });
    x--;
    y--;
  }
  return out.reverse();
}

/** A unified diff of two texts with `context` lines around each change; "" when equal. */
export function unifiedDiff(before: string, after: string, context = 3): string {
  if (before === after) return "";
  const a = before.split("\n");
  const b = after.split("\n");
  const lines = diffLines(a, b);
  const hunks: string[] = [];
  let i = 0;
  while (i < lines.length) {
    if (lines[i].tag === " ") {
      i++;
      continue;
    }
    // A hunk: back up `context` lines, then extend while changes are within 2*context.
    const start = Math.max(0, i - context);
    let end = i;
    let lastChange = i;
    while (end < lines.length) {
      if (lines[end].tag !== " ") lastChange = end;
      else if (end - lastChange > 2 * context) break;
      end++;
    }
    end = Math.min(lines.length, lastChange + context + 1);
    const oldStart = lines.slice(0, start).filter((l) => l.tag !== "+").length + 1;
    const newStart = lines.slice(0, start).filter((l) => l.tag !== "-").length + 1;
    const body = lines.slice(start, end);
    const oldCount = body.filter((l) => l.tag !== "+").length;
    const newCount = body.filter((l) => l.tag !== "-").length;
    hunks.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`);
    for (const l of body) hunks.push(`${l.tag}${l.text}`);
    i = end;
  }
  return hunks.join("\n");
}

// "MODE PATH BASE64" (control-plane bundles), "OWNER MODE PATH BASE64" (node file lists),
// possibly inside a shell-quoted multi-line assignment.
const BUNDLE_LINE = /(?:^|[\s'"])(?:\S+ )?0[0-7]{3} (\/[^\s'"]+) ([A-Za-z0-9+/]{4,}={0,2})['"]?$/;

/** The files packed in a text, by path; empty when the text holds no bundle lines. */
export function bundledFiles(text: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = BUNDLE_LINE.exec(line);
    if (!m) continue;
    const content = Buffer.from(m[2], "base64").toString("utf8");
    // Base64 that does not decode to text is not a packed file.
    if (/[\u0000-\u0008\u000e-\u001f]/.test(content)) continue; // eslint-disable-line no-control-regex -- binary check
    files.set(m[1], content);
  }
  return files;
}

const PEM = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END \1-----/g;

/**
 * What a PEM block says, on a few lines a reviewer can compare: a certificate's subject,
 * issuer, SANs and validity; a request's subject and SANs; other blocks (keys never reach
 * here: they are secret) by digest. A base64 line diff of a re-issued certificate says nothing.
 */
export function describePem(block: string): string {
  const kind = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(block)?.[1] ?? "PEM";
  const digest = createHash("sha256").update(block).digest("hex").slice(0, 16);
  try {
    if (kind === "CERTIFICATE") {
      const c = new X509Certificate(block);
      return [
        `[certificate sha256:${digest}]`,
        `  subject: ${c.subject.replace(/\n/g, ", ")}`,
        `  issuer: ${c.issuer.replace(/\n/g, ", ")}`,
        ...(c.subjectAltName ? [`  SANs: ${c.subjectAltName}`] : []),
        `  valid: ${new Date(c.validFrom).toISOString()} .. ${new Date(c.validTo).toISOString()}`,
        `  CA: ${c.ca}`,
      ].join("\n");
    }
    if (kind === "CERTIFICATE REQUEST") {
      const r = new x509.Pkcs10CertificateRequest(block);
      const san = r.extensions.find(
        (e): e is x509.SubjectAlternativeNameExtension => e instanceof x509.SubjectAlternativeNameExtension,
      );
      const names = san ? san.names.items.map((n) => `${n.type}:${n.value}`).join(", ") : "";
      return [
        `[certificate request sha256:${digest}]`,
        `  subject: ${r.subject}`,
        ...(names ? [`  SANs: ${names}`] : []),
      ].join("\n");
    }
  } catch {
    // Not parseable: fall through to the digest.
  }
  return `[${kind.toLowerCase()} sha256:${digest}]`;
}

/** The text with every PEM block replaced by its description. */
export function describePems(text: string): string {
  return text.replace(PEM, (block) => describePem(block));
}

/**
 * The review form of a changed multi-line value: per packed file a unified diff (with
 * the file's path as header), and a diff of the text with the packed lines left out.
 */
export function reviewDiff(before: string, after: string, context = 3): string {
  const a = bundledFiles(before);
  const b = bundledFiles(after);
  if (a.size === 0 && b.size === 0) return unifiedDiff(describePems(before), describePems(after), context);
  const parts: string[] = [];
  const strip = (text: string) =>
    text
      .split("\n")
      .filter((l) => !BUNDLE_LINE.test(l))
      .join("\n");
  const rest = unifiedDiff(strip(before), strip(after), context);
  if (rest) parts.push(rest);
  for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(path);
    const y = b.get(path);
    if (x === y) continue;
    if (x === undefined) parts.push(`+++ ${path} (new file)\n${unifiedDiff("", describePems(y ?? ""), context)}`);
    else if (y === undefined) parts.push(`--- ${path} (removed)`);
    else parts.push(`~~~ ${path}\n${unifiedDiff(describePems(x), describePems(y), context)}`);
  }
  return parts.join("\n");
}
