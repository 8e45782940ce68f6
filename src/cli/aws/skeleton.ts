import { shapeOf, type ServiceModel } from '../../protocol/awsModel/index.js';

/**
 * `--generate-cli-skeleton`: `input` gives a document for --cli-input-json with empty values
 * (first enum value, zeroes, one list item, a KeyName map entry); `output` gives a sample
 * response whose strings are the member names, as the AWS CLI prints them.
 */
export function skeleton(model: ServiceModel, shapeName: string | undefined,
  kind: 'input' | 'output'): unknown {
  if (!shapeName) return {};
  return gen(model, shapeName, kind, '', new Set());
}

function gen(model: ServiceModel, shapeName: string, kind: 'input' | 'output', name: string,
  stack: Set<string>): unknown {
  const shape = shapeOf(model, shapeName);
  if (stack.has(shapeName)) return {};
  switch (shape.type) {
    case 'structure': {
      stack.add(shapeName);
      const out: Record<string, unknown> = {};
      for (const [m, ref] of Object.entries(shape.members ?? {})) {
        out[m] = gen(model, ref.shape, kind, m, stack);
      }
      stack.delete(shapeName);
      return out;
    }
    case 'list':
      return [gen(model, shape.member!.shape, kind, name, stack)];
    case 'map':
      return { KeyName: gen(model, shape.value!.shape, kind, 'KeyName', stack) };
    case 'string':
      if (kind === 'output') return name;
      return shape.enum ? shape.enum[0] : '';
    case 'blob':
      return kind === 'output' ? name : '';
    case 'timestamp':
      return '1970-01-01T00:00:00';
    case 'boolean':
      return true;
    default:
      return 0;
  }
}
