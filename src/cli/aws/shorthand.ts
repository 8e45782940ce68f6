/**
 * The AWS CLI shorthand syntax for structures, maps and lists of structures:
 *   key=value,key2=[a,b],key3={inner=1},key4=a,b   (a bare csv tail makes a list)
 * Values may be quoted with ' or ". The result holds strings, lists and objects only; the
 * model-driven converter (params.ts) gives them their types.
 */

export class ShorthandError extends Error {
  constructor(readonly input: string, readonly index: number, reason: string) {
    super(`${reason} at position ${index + 1} of: ${input}`);
    this.name = 'ShorthandError';
  }
}

export type ShorthandValue = string | ShorthandValue[] | { [k: string]: ShorthandValue };

export function parseShorthand(input: string): Record<string, ShorthandValue> {
  let i = 0;
  const fail = (reason: string): never => {
    throw new ShorthandError(input, i, reason);
  };
  const ws = () => {
    while (input[i] === ' ' || input[i] === '\t' || input[i] === '\n') i++;
  };
  const quoted = (): string => {
    const q = input[i]!;
    const end = input.indexOf(q, i + 1);
    if (end < 0) fail(`unterminated ${q} quote`);
    const s = input.slice(i + 1, end);
    i = end + 1;
    return s;
  };
  // A bare scalar ends at ',' or a closing bracket of the enclosing construct.
  const scalar = (stops: string): string => {
    ws();
    if (input[i] === '"' || input[i] === "'") return quoted();
    const start = i;
    while (i < input.length && !stops.includes(input[i]!)) i++;
    return input.slice(start, i).trim();
  };
  const key = (): string => {
    ws();
    const start = i;
    while (i < input.length && /[A-Za-z0-9_.:\-/]/.test(input[i]!)) i++;
    if (i === start) fail(`expected a key name, found '${input[i] ?? 'end of input'}'`);
    return input.slice(start, i);
  };
  const list = (): ShorthandValue[] => {
    i++;
    const out: ShorthandValue[] = [];
    ws();
    if (input[i] === ']') {
      i++;
      return out;
    }
    for (;;) {
      ws();
      out.push(input[i] === '{' ? hash() : input[i] === '[' ? list() : scalar(',]'));
      ws();
      if (input[i] === ',') {
        i++;
        continue;
      }
      if (input[i] === ']') {
        i++;
        return out;
      }
      fail("expected ',' or ']'");
    }
  };
  const hash = (): Record<string, ShorthandValue> => {
    i++;
    const out = pairs('}');
    if (input[i] !== '}') fail("expected '}'");
    i++;
    return out;
  };
  // A value after "key=": a list, a hash, or a scalar optionally followed by csv items that
  // have no '=' of their own (those belong to the same key as a list).
  const valueOf = (close: string): ShorthandValue => {
    ws();
    if (input[i] === '[') return list();
    if (input[i] === '{') return hash();
    const first = scalar(`,${close}`);
    const items: string[] = [first];
    for (;;) {
      if (input[i] !== ',') break;
      const save = i;
      i++;
      ws();
      const probe = /^[A-Za-z0-9_.:\-/]+\s*=/.test(input.slice(i));
      if (probe) {
        i = save;
        break;
      }
      items.push(scalar(`,${close}`));
    }
    return items.length === 1 ? first : items;
  };
  const pairs = (close: string): Record<string, ShorthandValue> => {
    const out: Record<string, ShorthandValue> = {};
    for (;;) {
      const k = key();
      ws();
      if (input[i] !== '=') fail(`expected '=' after key '${k}'`);
      i++;
      out[k] = valueOf(close);
      ws();
      if (input[i] === ',') {
        i++;
        continue;
      }
      return out;
    }
  };
  const result = pairs('');
  ws();
  if (i < input.length) fail(`unexpected '${input[i]}'`);
  return result;
}

/** Splits a csv list of scalars ("a,b,'c,d'") as the CLI does for list-of-string options. */
export function splitCsv(input: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (const ch of input) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === ',') {
      out.push(cur.trim());
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur.trim());
  return out;
}
