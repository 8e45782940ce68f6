import fs from 'node:fs';
import { shapeOf, type ServiceModel, type Shape } from '../../protocol/awsModel/index.js';
import { parseJsonText, JsonTextError } from './jsonText.js';
import { parseShorthand, splitCsv, ShorthandError } from './shorthand.js';
import type { OptionSpec, VerbSpec } from './verbs.js';

/**
 * Turns command-line values into the operation's input, the way the AWS CLI reads them: JSON
 * or shorthand for structures and maps, separate values (or a csv / JSON list) for lists,
 * `file://` and `fileb://` for any value, and `--cli-input-json` underneath the options.
 */

/** A parameter or usage error: the AWS CLI exits 252 for these. */
export class ParamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParamError';
  }
}

export type RawArg = string | string[] | boolean | undefined;

/** Reads `file://` (text) and `fileb://` (bytes, as base64) values. */
export function readParamFile(value: string, flag: string): { text: string; file?: string } {
  const m = /^(fileb?):\/\/(.*)$/s.exec(value);
  if (!m) return { text: value };
  try {
    const data = fs.readFileSync(m[2]!);
    return { text: m[1] === 'fileb' ? data.toString('base64') : data.toString('utf8'),
      file: m[2]! };
  } catch (e) {
    throw new ParamError(`Error parsing parameter '${flag}': Unable to load paramfile ` +
      `${value}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' :
        (e as Error).message}`);
  }
}

/** Parses JSON text for a parameter; errors name the file (if any), line and column. */
export function jsonParam(text: string, flag: string, file?: string): unknown {
  try {
    return parseJsonText(text);
  } catch (e) {
    if (!(e instanceof JsonTextError)) throw e;
    const where = file ? `${file} at line ${e.line}, column ${e.column}`
      : `line ${e.line}, column ${e.column}`;
    const caret = `${' '.repeat(Math.max(0, e.column - 1))}^`;
    throw new ParamError(`Error parsing parameter '${flag}': Invalid JSON in ${where}: ` +
      `${e.reason}\n${e.lineText}\n${caret}`);
  }
}

const SCALARS = new Set(['string', 'blob', 'timestamp', 'integer', 'long', 'double', 'float',
  'boolean']);

function isScalar(shape: Shape): boolean {
  return SCALARS.has(shape.type);
}

function structured(text: string, flag: string, file?: string): unknown {
  const t = text.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) return jsonParam(text, flag, file);
  try {
    return parseShorthand(text);
  } catch (e) {
    if (e instanceof ShorthandError) {
      throw new ParamError(`Error parsing parameter '${flag}': ${e.message}`);
    }
    throw e;
  }
}

/** Gives shorthand strings the model's types; JSON values are left as typed by the user. */
export function coerce(model: ServiceModel, shapeName: string, v: unknown, path: string): unknown {
  const shape = shapeOf(model, shapeName);
  if (v === null || v === undefined) return v;
  switch (shape.type) {
    case 'integer':
    case 'long':
    case 'double':
    case 'float': {
      if (typeof v !== 'string') return v;
      const n = Number(v);
      const ok = v.trim() !== '' && Number.isFinite(n) &&
        (shape.type === 'double' || shape.type === 'float' || Number.isInteger(n));
      if (!ok) {
        throw new ParamError(`Error parsing parameter '${path}': expected ` +
          `${shape.type === 'double' || shape.type === 'float' ? 'a number' : 'an integer'}, ` +
          `received: '${v}'`);
      }
      return n;
    }
    case 'boolean':
      if (v === 'true') return true;
      if (v === 'false') return false;
      return v;
    case 'list': {
      const items = Array.isArray(v) ? v : [v];
      return items.map((x, i) => coerce(model, shape.member!.shape, x, `${path}[${i}]`));
    }
    case 'map': {
      if (typeof v !== 'object' || Array.isArray(v)) return v;
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) =>
        [k, coerce(model, shape.value!.shape, x, `${path}.${k}`)]));
    }
    case 'structure': {
      if (typeof v !== 'object' || Array.isArray(v)) return v;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        const ref = shape.members?.[k];
        out[k] = ref ? coerce(model, ref.shape, x, `${path}.${k}`) : x;
      }
      return out;
    }
    default:
      return v;
  }
}

/** One option's command-line value(s) → the member's value. */
export function fromArg(model: ServiceModel, opt: OptionSpec, raw: RawArg): unknown {
  const flag = `--${opt.flag}`;
  if (raw === undefined) return undefined;
  const shape = opt.shape;
  if (shape.type === 'boolean') return raw === true || raw === 'true';
  const values = (Array.isArray(raw) ? raw : [raw]).map(String);
  if (shape.type === 'list') {
    const member = shapeOf(model, shape.member!.shape);
    if (values.length === 1) {
      const { text, file } = readParamFile(values[0]!, flag);
      if (text.trimStart().startsWith('[')) {
        return coerce(model, opt.shapeName, jsonParam(text, flag, file), flag);
      }
      if (isScalar(member)) return coerce(model, opt.shapeName, splitCsv(text), flag);
      return coerce(model, opt.shapeName, [structured(text, flag, file)], flag);
    }
    const items = values.map((v) => {
      const { text, file } = readParamFile(v, flag);
      return isScalar(member) ? text : structured(text, flag, file);
    });
    return coerce(model, opt.shapeName, items, flag);
  }
  const { text, file } = readParamFile(values[values.length - 1]!, flag);
  if (shape.type === 'structure' || shape.type === 'map') {
    return coerce(model, opt.shapeName, structured(text, flag, file), flag);
  }
  return coerce(model, opt.shapeName, text, flag);
}

/** Builds the input: `--cli-input-json` first, then each given option on top of it. */
export function buildInput(spec: VerbSpec, args: Record<string, RawArg>): Record<string, unknown> {
  let input: Record<string, unknown> = {};
  const cij = args['cli-input-json'];
  if (typeof cij === 'string' && cij !== '') {
    const { text, file } = readParamFile(cij, 'cli-input-json');
    const doc = jsonParam(text, 'cli-input-json', file);
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      throw new ParamError("Error parsing parameter 'cli-input-json': the JSON must be an object");
    }
    input = { ...(doc as Record<string, unknown>) };
  }
  for (const opt of spec.options) {
    const v = fromArg(spec.model, opt, args[opt.flag]);
    if (v !== undefined) input[opt.member] = v;
  }
  return input;
}
