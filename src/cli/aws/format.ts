/**
 * The three AWS CLI output formats. `json` is indented by four spaces; `text` follows the AWS
 * CLI's rules (scalars of one object on one tab-separated line, sorted by key, prefixed by the
 * upper-cased name of the list or object that holds them; lists of objects share the union of
 * their scalar keys as columns); `table` draws titled boxes.
 */

export type OutputFormat = 'json' | 'text' | 'table';

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown) => !isObj(v) && !Array.isArray(v);

/** Python's str() for the scalars a response holds (the AWS CLI is Python). */
function str(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}

export function formatJson(v: unknown): string {
  return `${JSON.stringify(v, null, 4)}\n`;
}

export function formatText(v: unknown): string {
  const out: string[] = [];
  text(v, out, undefined, undefined);
  return out.join('');
}

function text(v: unknown, out: string[], id: string | undefined, keys: string[] | undefined) {
  if (isObj(v)) textObject(v, out, id, keys);
  else if (Array.isArray(v)) textList(v, out, id);
  else out.push(`${str(v)}\n`);
}

function textList(items: unknown[], out: string[], id: string | undefined) {
  if (items.length === 0) return;
  if (items.some(isObj)) {
    const keys = new Set<string>();
    for (const it of items) {
      if (isObj(it)) for (const [k, x] of Object.entries(it)) if (isScalar(x)) keys.add(k);
    }
    const cols = [...keys].sort();
    for (const it of items) text(it, out, id, cols);
    return;
  }
  const scalars = items.filter(isScalar);
  if (scalars.length) {
    if (id !== undefined) for (const s of scalars) out.push(`${id.toUpperCase()}\t${str(s)}\n`);
    else out.push(`${scalars.map(str).join('\t')}\n`);
  }
  for (const nested of items.filter((x) => !isScalar(x))) text(nested, out, id, undefined);
}

function textObject(o: Record<string, unknown>, out: string[], id: string | undefined,
  keys: string[] | undefined) {
  const scalars: string[] = [];
  const nested: Array<[string, unknown]> = [];
  if (keys) {
    for (const k of keys) scalars.push(o[k] === undefined ? '' : str(o[k]));
    for (const k of Object.keys(o).filter((k) => !keys.includes(k)).sort()) nested.push([k, o[k]]);
  } else {
    for (const k of Object.keys(o).sort()) {
      if (isScalar(o[k])) scalars.push(str(o[k]));
      else nested.push([k, o[k]]);
    }
  }
  if (scalars.length) {
    if (id !== undefined) scalars.unshift(id.toUpperCase());
    out.push(`${scalars.join('\t')}\n`);
  }
  for (const [k, x] of nested) text(x, out, k, undefined);
}

// TODO(fix): the table layout is the AWS CLI's in spirit (titled boxes, key/value rows, one
// column per key for lists of objects) but not byte for byte; scripts should use json/text.
export function formatTable(v: unknown, title: string): string {
  const lines: string[] = [];
  table(v, title, lines);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function box(title: string, header: string[] | undefined, rows: string[][], lines: string[]) {
  const n = Math.max(header?.length ?? 0, ...rows.map((r) => r.length), 1);
  const widths = Array.from({ length: n }, (_, i) =>
    Math.max(...[header?.[i] ?? '', ...rows.map((r) => r[i] ?? '')].map((s) => s.length)) + 2);
  let inner = widths.reduce((a, b) => a + b, 0) + n - 1;
  if (inner < title.length + 2) {
    widths[n - 1]! += title.length + 2 - inner;
    inner = title.length + 2;
  }
  const sep = `+${widths.map((w) => '-'.repeat(w)).join('+')}+`;
  const row = (cells: string[]) =>
    `|${widths.map((w, i) => ` ${(cells[i] ?? '').padEnd(w - 1)}`).join('|')}|`;
  const left = Math.floor((inner - title.length) / 2);
  lines.push(`${'-'.repeat(inner + 2)}`);
  lines.push(`|${' '.repeat(left)}${title}${' '.repeat(inner - title.length - left)}|`);
  lines.push(sep);
  if (header) {
    lines.push(row(header));
    lines.push(sep);
  }
  for (const r of rows) lines.push(row(r));
  if (rows.length || header) lines.push(sep);
}

function table(v: unknown, title: string, lines: string[]) {
  if (isObj(v)) {
    const scalars = Object.keys(v).filter((k) => isScalar(v[k])).sort();
    if (scalars.length) box(title, undefined, scalars.map((k) => [k, str(v[k])]), lines);
    else if (Object.keys(v).length) box(title, undefined, [], lines);
    for (const k of Object.keys(v).filter((k) => !isScalar(v[k])).sort()) {
      table(v[k], k, lines);
    }
  } else if (Array.isArray(v)) {
    if (v.length === 0) return;
    if (v.every(isObj)) {
      const keys = [...new Set(v.flatMap((it) =>
        Object.keys(it).filter((k) => isScalar(it[k]))))].sort();
      if (keys.length) box(title, keys, v.map((it) => keys.map((k) =>
        (it[k] === undefined ? '' : str(it[k])))), lines);
      for (const it of v) {
        for (const k of Object.keys(it).filter((k) => !isScalar(it[k])).sort()) {
          table(it[k], k, lines);
        }
      }
    } else {
      box(title, undefined, v.filter(isScalar).map((s) => [str(s)]), lines);
      for (const it of v.filter((x) => !isScalar(x))) table(it, title, lines);
    }
  } else {
    box(title, undefined, [[str(v)]], lines);
  }
}

export function formatOutput(v: unknown, format: OutputFormat, title: string): string {
  if (format === 'text') return formatText(v);
  if (format === 'table') return formatTable(v, title);
  return formatJson(v);
}
