import { shapeOf, type ServiceModel } from '../../protocol/awsModel/index.js';

/**
 * The checks the AWS CLI makes before sending (required members, unknown members, types and
 * minimum lengths/values); maxima, enums and patterns are left to the service, as botocore
 * does. Returns one line per problem, phrased like botocore's parameter validation.
 */
export function clientCheck(model: ServiceModel, shapeName: string, value: unknown,
  path = ''): string[] {
  const out: string[] = [];
  walk(model, shapeName, value, path, out);
  return out;
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'structure';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const EXPECT: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  blob: (v) => typeof v === 'string',
  timestamp: (v) => typeof v === 'string' || typeof v === 'number',
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  long: (v) => typeof v === 'number' && Number.isInteger(v),
  double: (v) => typeof v === 'number',
  float: (v) => typeof v === 'number',
  boolean: (v) => typeof v === 'boolean',
  list: (v) => Array.isArray(v),
  map: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  structure: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
};

function walk(model: ServiceModel, shapeName: string, v: unknown, path: string, out: string[]) {
  const shape = shapeOf(model, shapeName);
  const name = path || 'input';
  if (!EXPECT[shape.type]!(v)) {
    out.push(`Invalid type for parameter ${name}, value: ${JSON.stringify(v)}, ` +
      `type: ${typeName(v)}, valid types: ${shape.type}`);
    return;
  }
  if (shape.type === 'string' || shape.type === 'list') {
    const len = (v as string | unknown[]).length;
    if (shape.min !== undefined && len < shape.min) {
      out.push(`Invalid length for parameter ${name}, value: ${len}, valid min length: ` +
        `${shape.min}`);
    }
  }
  if (['integer', 'long', 'double', 'float'].includes(shape.type) && shape.min !== undefined &&
    (v as number) < shape.min) {
    out.push(`Invalid value for parameter ${name}, value: ${String(v)}, valid min value: ` +
      `${shape.min}`);
  }
  if (shape.type === 'list') {
    (v as unknown[]).forEach((x, i) => walk(model, shape.member!.shape, x, `${name}[${i}]`, out));
  } else if (shape.type === 'map') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      walk(model, shape.value!.shape, x, `${name}.${k}`, out);
    }
  } else if (shape.type === 'structure') {
    const obj = v as Record<string, unknown>;
    const members = shape.members ?? {};
    for (const req of shape.required ?? []) {
      if (obj[req] === undefined || obj[req] === null) {
        out.push(`Missing required parameter in ${name}: "${req}"`);
      }
    }
    for (const [k, x] of Object.entries(obj)) {
      const ref = members[k];
      if (!ref) {
        out.push(`Unknown parameter in ${name}: "${k}", must be one of: ` +
          Object.keys(members).join(', '));
      } else if (x !== undefined && x !== null) {
        walk(model, ref.shape, x, path ? `${path}.${k}` : k, out);
      }
    }
  }
}
