/**
 * A strict JSON reader for user input files that reports where the text goes wrong by line
 * and column, and what was expected there. JSON.parse only gives a character offset whose
 * wording changes between Node versions; CLI users need the line to edit.
 */

export class JsonTextError extends Error {
  constructor(readonly line: number, readonly column: number, readonly reason: string,
    readonly lineText: string) {
    super(`line ${line}, column ${column}: ${reason}`);
    this.name = 'JsonTextError';
  }
}

const WS = new Set([' ', '\t', '\n', '\r']);

function describe(ch: string | undefined): string {
  if (ch === undefined) return 'the end of the input';
  return ch < ' ' ? `character U+${ch.charCodeAt(0).toString(16).padStart(4, '0')}` : `'${ch}'`;
}

export function parseJsonText(text: string): unknown {
  let i = 0;
  const fail = (reason: string, at = i): never => {
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    const start = before.lastIndexOf('\n') + 1;
    const end = text.indexOf('\n', at);
    throw new JsonTextError(line, at - start + 1, reason,
      text.slice(start, end < 0 ? text.length : end).replace(/\r$/, ''));
  };
  const skip = () => {
    while (i < text.length && WS.has(text[i]!)) i++;
  };
  const literal = (word: string, value: unknown) => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return value;
    }
    return fail(`expected a JSON value, found ${describe(text[i])}`);
  };
  const string = (): string => {
    const start = i;
    i++;
    let out = '';
    for (;;) {
      const ch = text[i];
      if (ch === undefined) fail('unterminated string', start);
      if (ch === '"') {
        i++;
        return out;
      }
      if (ch! < ' ') fail('control character inside a string; escape it');
      if (ch === '\\') {
        const esc = text[i + 1];
        const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f',
          n: '\n', r: '\r', t: '\t' };
        if (esc === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else if (esc !== undefined && map[esc] !== undefined) {
          out += map[esc];
          i += 2;
        } else {
          fail(`invalid escape ${describe(`\\${esc ?? ''}`)}`);
        }
        continue;
      }
      out += ch;
      i++;
    }
  };
  const number = (): number => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) return fail(`expected a JSON value, found ${describe(text[i])}`);
    i += m[0].length;
    return Number(m[0]);
  };
  const value = (): unknown => {
    skip();
    const ch = text[i];
    if (ch === '{') return object();
    if (ch === '[') return array();
    if (ch === '"') return string();
    if (ch === 't') return literal('true', true);
    if (ch === 'f') return literal('false', false);
    if (ch === 'n') return literal('null', null);
    return number();
  };
  const array = (): unknown[] => {
    i++;
    const out: unknown[] = [];
    skip();
    if (text[i] === ']') {
      i++;
      return out;
    }
    for (;;) {
      out.push(value());
      skip();
      const ch = text[i];
      if (ch === ',') {
        i++;
        continue;
      }
      if (ch === ']') {
        i++;
        return out;
      }
      fail(`expected ',' or ']' after an array element, found ${describe(ch)}`);
    }
  };
  const object = (): Record<string, unknown> => {
    i++;
    const out: Record<string, unknown> = {};
    skip();
    if (text[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      skip();
      if (text[i] !== '"') {
        fail(`expected a member name in double quotes, found ${describe(text[i])}`);
      }
      const key = string();
      skip();
      if (text[i] !== ':') {
        fail(`expected ':' after member name "${key}", found ${describe(text[i])}`);
      }
      i++;
      out[key] = value();
      skip();
      const ch = text[i];
      if (ch === ',') {
        i++;
        continue;
      }
      if (ch === '}') {
        i++;
        return out;
      }
      fail(`expected ',' or '}' after the value of member "${key}", found ${describe(ch)}`);
    }
  };
  const result = value();
  skip();
  if (i < text.length) fail(`unexpected ${describe(text[i])} after the JSON value`);
  return result;
}
