import {
  MODELS, shapeOf, type Operation, type ServiceModel, type Shape,
} from '../../protocol/awsModel/index.js';
import { kebab } from './names.js';

/** One CLI verb per modelled operation, with its options derived from the input shape. */

export interface OptionSpec {
  member: string;
  flag: string;
  shapeName: string;
  shape: Shape;
  required: boolean;
}

export interface VerbSpec {
  verb: string;
  operation: string;
  model: ServiceModel;
  op: Operation;
  options: OptionSpec[];
}

function build(model: ServiceModel, operation: string, op: Operation): VerbSpec {
  const input = op.input ? shapeOf(model, op.input) : undefined;
  const required = new Set(input?.required ?? []);
  const options = Object.entries(input?.members ?? {}).map(([member, ref]) => ({
    member,
    flag: kebab(member),
    shapeName: ref.shape,
    shape: shapeOf(model, ref.shape),
    required: required.has(member),
  }));
  return { verb: kebab(operation), operation, model, op, options };
}

export const VERBS: readonly VerbSpec[] = MODELS.flatMap((model) =>
  Object.entries(model.operations).map(([name, op]) => build(model, name, op)));

export function verbSpec(verb: string): VerbSpec | undefined {
  return VERBS.find((v) => v.verb === verb);
}
