import fs from 'node:fs/promises';
import { SimError } from '../protocol/errors.js';
import { JsonTextError, parseJsonText } from './aws/jsonText.js';

/**
 * JSON input files of the product commands (--ota-update, --fleet, --sigv4-keys): a parse
 * failure names the file, line and column, what was expected, and shows the line.
 */
export async function readJsonFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new SimError('OTASIM_BAD_INPUT_FILE', `${file}: cannot read: ${(e as Error).message}`);
  }
  let v: unknown;
  try {
    v = parseJsonText(text);
  } catch (e) {
    if (!(e instanceof JsonTextError)) throw e;
    throw new SimError('OTASIM_BAD_JSON', `${file}:${e.line}:${e.column}: invalid JSON: ` +
      `${e.reason}\n  ${e.lineText}\n  ${' '.repeat(Math.max(0, e.column - 1))}^`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new SimError('OTASIM_BAD_JSON', `${file}: expected a JSON object at the top level`);
  }
  return v as Record<string, unknown>;
}
