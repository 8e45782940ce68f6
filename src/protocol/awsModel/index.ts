import iotJson from './iot.json' with { type: 'json' };
import signerJson from './signer.json' with { type: 'json' };

/**
 * The slice of the botocore service models ota-sim implements (extracted by
 * scripts/extractAwsModel.ts, documentation stripped). Both the REST server (validation) and
 * the AWS-style CLI (options, shorthand, skeletons, pagination) read shapes from here.
 */

export type ShapeType = 'structure' | 'string' | 'timestamp' | 'boolean' | 'double' | 'float'
  | 'map' | 'integer' | 'blob' | 'list' | 'long';

export interface MemberRef {
  shape: string;
  location?: 'uri' | 'querystring' | 'header' | 'headers';
  locationName?: string;
  idempotencyToken?: boolean;
  jsonvalue?: boolean;
}

export interface Shape {
  type: ShapeType;
  required?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  members?: Record<string, MemberRef>;
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  error?: { httpStatusCode: number };
  exception?: boolean;
}

export interface Operation {
  http: { method: string; requestUri: string; responseCode?: number };
  input?: string;
  output?: string;
  errors: string[];
}

export interface Paginator {
  input_token: string;
  output_token: string;
  limit_key?: string;
  result_key: string;
}

export interface ServiceModel {
  metadata: { apiVersion: string; endpointPrefix: string; protocol: string; serviceId: string;
    signingName: string };
  operations: Record<string, Operation>;
  paginators: Record<string, Paginator>;
  shapes: Record<string, Shape>;
}

export const IOT_MODEL = iotJson as unknown as ServiceModel;
export const SIGNER_MODEL = signerJson as unknown as ServiceModel;
export const MODELS: readonly ServiceModel[] = [IOT_MODEL, SIGNER_MODEL];

/** The model and operation for an operation name, or undefined outside the slice. */
export function findOperation(name: string): { model: ServiceModel; op: Operation } | undefined {
  for (const model of MODELS) {
    const op = model.operations[name];
    if (op) return { model, op };
  }
  return undefined;
}

export function shapeOf(model: ServiceModel, name: string): Shape {
  const s = model.shapes[name];
  if (!s) throw new Error(`awsModel: no shape ${name} in ${model.metadata.serviceId}`);
  return s;
}
