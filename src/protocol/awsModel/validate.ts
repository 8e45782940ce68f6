import { shapeOf, type ServiceModel, type Shape } from './index.js';

/**
 * Checks a request against the model's constraints (required, length, range, enum, pattern,
 * type) the way the AWS front end does, and phrases each failure as the service does:
 * "Value '<v>' at '<path>' failed to satisfy constraint: Member must …". Paths use the
 * service's notation for list items (`files.1.member.fileType`, 1-based).
 */

export interface Violation {
  path: string;
  value: unknown;
  constraint: string;
}

// Java character classes used by the models that JavaScript's `u` mode does not know.
const JAVA_CLASSES: Array<[RegExp, string]> = [
  [/\\p\{Graph\}/g, '!-~'],
  [/\\p\{Upper\}/g, 'A-Z'],
  [/\\p\{Digit\}/g, '0-9'],
];

const patternCache = new Map<string, RegExp | null>();

/** The model's (Java) pattern as a whole-value JS RegExp; null if it cannot be translated. */
export function modelPattern(pattern: string): RegExp | null {
  let re = patternCache.get(pattern);
  if (re !== undefined) return re;
  let src = pattern;
  for (const [from, to] of JAVA_CLASSES) src = src.replace(from, to);
  try {
    re = new RegExp(`^(?:${src})$`, 'u');
  } catch {
    re = null;
  }
  patternCache.set(pattern, re);
  return re;
}

function show(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'object') return `'${JSON.stringify(v)}'`;
  return `'${String(v)}'`;
}

const INTEGER_TYPES = new Set(['integer', 'long']);

function typeProblem(shape: Shape, v: unknown): string | undefined {
  switch (shape.type) {
    case 'string':
    case 'blob':
      return typeof v === 'string' ? undefined : 'Member must be a string';
    case 'integer':
    case 'long':
      return typeof v === 'number' && Number.isInteger(v) ? undefined
        : 'Member must be an integer';
    case 'double':
    case 'float':
      return typeof v === 'number' && Number.isFinite(v) ? undefined : 'Member must be a number';
    case 'boolean':
      return typeof v === 'boolean' ? undefined : 'Member must be a boolean';
    case 'timestamp':
      return typeof v === 'number' || typeof v === 'string' ? undefined
        : 'Member must be a timestamp';
    case 'list':
      return Array.isArray(v) ? undefined : 'Member must be a list';
    case 'map':
    case 'structure':
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined
        : `Member must be a ${shape.type === 'map' ? 'map' : 'structure'}`;
  }
}

/** `Shape.member` names whose `required` is waived (see modelCheck.ts for why). */
export type Waived = ReadonlySet<string>;

export function validateShape(model: ServiceModel, shapeName: string, value: unknown,
  path: string, out: Violation[], waived: Waived = new Set()): void {
  const shape = shapeOf(model, shapeName);
  const tp = typeProblem(shape, value);
  if (tp) {
    out.push({ path, value, constraint: tp });
    return;
  }
  const add = (constraint: string) => out.push({ path, value, constraint });
  if (shape.type === 'string') {
    const s = value as string;
    if (shape.min !== undefined && s.length < shape.min) {
      add(`Member must have length greater than or equal to ${shape.min}`);
    }
    if (shape.max !== undefined && s.length > shape.max) {
      add(`Member must have length less than or equal to ${shape.max}`);
    }
    if (shape.enum && !shape.enum.includes(s)) {
      add(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
    }
    const re = shape.pattern ? modelPattern(shape.pattern) : null;
    if (re && !re.test(s)) add(`Member must satisfy regular expression pattern: ${shape.pattern}`);
  } else if (INTEGER_TYPES.has(shape.type) || shape.type === 'double' || shape.type === 'float') {
    const n = value as number;
    if (shape.min !== undefined && n < shape.min) {
      add(`Member must have value greater than or equal to ${shape.min}`);
    }
    if (shape.max !== undefined && n > shape.max) {
      add(`Member must have value less than or equal to ${shape.max}`);
    }
  } else if (shape.type === 'list') {
    const items = value as unknown[];
    if (shape.min !== undefined && items.length < shape.min) {
      add(`Member must have length greater than or equal to ${shape.min}`);
    }
    if (shape.max !== undefined && items.length > shape.max) {
      add(`Member must have length less than or equal to ${shape.max}`);
    }
    items.forEach((item, i) =>
      validateShape(model, shape.member!.shape, item, `${path}.${i + 1}.member`, out, waived));
  } else if (shape.type === 'map') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (shape.min !== undefined && entries.length < shape.min) {
      add(`Member must have length greater than or equal to ${shape.min}`);
    }
    if (shape.max !== undefined && entries.length > shape.max) {
      add(`Member must have length less than or equal to ${shape.max}`);
    }
    for (const [k, v] of entries) {
      validateShape(model, shape.key!.shape, k, `${path}.key`, out, waived);
      validateShape(model, shape.value!.shape, v, `${path}.${k}.value`, out, waived);
    }
  } else if (shape.type === 'structure') {
    validateMembers(model, shapeName, value as Record<string, unknown>, path, out, waived);
  }
}

export function validateMembers(model: ServiceModel, shapeName: string,
  value: Record<string, unknown>, path: string, out: Violation[], waived: Waived = new Set()):
  void {
  const shape = shapeOf(model, shapeName);
  const prefix = path ? `${path}.` : '';
  for (const req of shape.required ?? []) {
    if (waived.has(`${shapeName}.${req}`)) continue;
    if (value[req] === undefined || value[req] === null) {
      out.push({ path: `${prefix}${req}`, value: null, constraint: 'Member must not be null' });
    }
  }
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const v = value[name];
    if (v === undefined || v === null) continue;
    validateShape(model, ref.shape, v, `${prefix}${name}`, out, waived);
  }
}

/** The service's one-line summary of all violations, or undefined when there are none. */
export function violationMessage(violations: Violation[]): string | undefined {
  if (violations.length === 0) return undefined;
  const n = violations.length;
  const parts = violations.map((v) =>
    `Value ${show(v.value)} at '${v.path}' failed to satisfy constraint: ${v.constraint}`);
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${parts.join('; ')}`;
}
