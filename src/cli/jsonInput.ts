import fs from 'node:fs/promises';
import { SimError } from '../protocol/errors.js';

/**
 * JSON input files with precise errors: a parse failure names the file, the line and column,
 * what was found and what was expected, and the offending line itself.
 */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SimError('OTASIM_BAD_JSON', describeJsonError(text, source, e as Error));
  }
}

export function describeJsonError(text: string, source: string, err: Error): string {
  const m = /position (\d+)/.exec(err.message);
  const pos = m ? Number(m[1]) : text.length;
  let line = 1;
  let col = 1;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      col = 1;
    } else col++;
  }
  const lineText = text.split('\n')[line - 1] ?? '';
  const found = pos < text.length ? JSON.stringify(text[pos]) : 'end of input';
  const reason = err.message.replace(/ in JSON at position \d+.*$/, '').replace(/\s*\(line.*$/, '');
  return `${source}:${line}:${col}: invalid JSON: ${reason} (found ${found}; a missing comma ` +
    `or bracket before this point is the usual cause)\n  ${lineText.trim()}`;
}

export async function readJsonFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new SimError('OTASIM_BAD_INPUT_FILE', `${file}: cannot read: ${(e as Error).message}`);
  }
  const v = parseJsonText(text, file);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new SimError('OTASIM_BAD_JSON', `${file}: expected a JSON object at the top level`);
  }
  return v as Record<string, unknown>;
}
