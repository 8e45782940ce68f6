import { randomUUID } from 'node:crypto';
import jmespath from 'jmespath';
import { shapeOf } from '../../protocol/awsModel/index.js';
import { clientCheck } from './clientCheck.js';
import { ProfileNotFound, resolveConfig } from './config.js';
import { formatOutput, type OutputFormat } from './format.js';
import { buildInput, ParamError, type RawArg } from './params.js';
import { skeleton } from './skeleton.js';
import {
  call, renderTimestamps, ServiceError, TransportError, type CallOptions,
} from './transport.js';
import type { VerbSpec } from './verbs.js';

/**
 * Runs one AWS-style verb: read options (and --cli-input-json), check them as the AWS CLI
 * does, call the cloud (following pagination), then print with --query and --output.
 * Exit codes are the AWS CLI v2 ones (CI's awscli 2.9.19): 252 parameter/usage errors,
 * 254 service errors, 255 anything else. (The local AWS CLI v1 1.45.11 uses 2 for usage
 * errors and 255 for both parameter and service errors.)
 */

export const EXIT = { ok: 0, usage: 252, service: 254, other: 255 } as const;

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

export const stdio: Io = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
};

export type VerbArgs = Record<string, RawArg>;

const str = (v: RawArg): string | undefined =>
  v === undefined || typeof v === 'boolean' ? undefined : Array.isArray(v) ? v[v.length - 1] : v;

function missingRequired(spec: VerbSpec, input: Record<string, unknown>): string[] {
  return spec.options.filter((o) => o.required && input[o.member] === undefined)
    .map((o) => `--${o.flag}`);
}

export async function runVerb(spec: VerbSpec, args: VerbArgs, io: Io = stdio): Promise<number> {
  try {
    return await runChecked(spec, args, io);
  } catch (e) {
    if (e instanceof ParamError) {
      io.stderr(`\n${e.message}\n`);
      return EXIT.usage;
    }
    if (e instanceof ServiceError) {
      io.stderr(`\nAn error occurred (${e.code}) when calling the ${spec.operation} ` +
        `operation: ${e.message}\n`);
      return EXIT.service;
    }
    if (e instanceof TransportError || e instanceof ProfileNotFound) {
      io.stderr(`\n${e.message}\n`);
      return EXIT.other;
    }
    throw e;
  }
}

async function runChecked(spec: VerbSpec, args: VerbArgs, io: Io): Promise<number> {
  const model = spec.model;
  const skel = args['generate-cli-skeleton'];
  const skelKind = skel === undefined || skel === false ? undefined
    : str(skel) === '' || skel === true ? 'input' : str(skel);
  if (skelKind !== undefined && skelKind !== 'input' && skelKind !== 'output') {
    throw new ParamError(`argument --generate-cli-skeleton: invalid choice: '${skelKind}' ` +
      "(choose from 'input', 'output')");
  }
  if (skelKind === 'input') {
    io.stdout(formatOutput(skeleton(model, spec.op.input, 'input'), 'json', spec.operation));
    return EXIT.ok;
  }
  const query = str(args.query);
  if (query !== undefined) {
    try {
      jmespath.search({}, query);
    } catch (e) {
      throw new ParamError(`Bad value for --query ${query}: ${(e as Error).message}`);
    }
  }

  const input = buildInput(spec, args);
  const hasJsonInput = typeof args['cli-input-json'] === 'string';
  const missing = missingRequired(spec, input);
  if (missing.length && !hasJsonInput) {
    throw new ParamError(`ota-sim: error: the following arguments are required: ` +
      missing.join(', '));
  }
  const inputShape = spec.op.input ? shapeOf(model, spec.op.input) : undefined;
  for (const [name, ref] of Object.entries(inputShape?.members ?? {})) {
    // botocore fills idempotency tokens the caller left out.
    if (ref.idempotencyToken && input[name] === undefined) input[name] = randomUUID();
  }
  const problems = spec.op.input ? clientCheck(model, spec.op.input, input) : [];
  if (problems.length) throw new ParamError(`Parameter validation failed:\n${problems.join('\n')}`);
  if (skelKind === 'output') {
    io.stdout(formatOutput(skeleton(model, spec.op.output, 'output'), 'json', spec.operation));
    return EXIT.ok;
  }

  const cfg = resolveConfig({ profile: str(args.profile), region: str(args.region),
    endpointUrl: str(args['endpoint-url']), service: model.metadata.endpointPrefix,
    env: io.env, home: io.home });
  const output = (str(args.output) ?? cfg.output ?? 'json') as OutputFormat;
  if (!['json', 'text', 'table'].includes(output)) {
    throw new ParamError(`argument --output: Invalid choice, valid choices are: json | text | ` +
      `table (got '${output}')`);
  }
  if (!cfg.endpointUrl) {
    throw new TransportError('ota-sim: no endpoint: pass --endpoint-url (the URL `ota-sim ' +
      'cloud` prints) or set AWS_ENDPOINT_URL');
  }
  const debug = args.debug === true ? (l: string) => io.stderr(`DEBUG ${l}\n`) : undefined;
  const seconds = (v: RawArg) => {
    const n = Number(str(v));
    return str(v) === undefined || !Number.isFinite(n) || n <= 0 ? undefined : n * 1000;
  };
  const opts: CallOptions = {
    endpointUrl: cfg.endpointUrl,
    region: cfg.region,
    credentials: args['sign-request'] === false ? undefined : cfg.credentials,
    debug,
    timeoutMs: seconds(args['cli-read-timeout']),
    connectTimeoutMs: seconds(args['cli-connect-timeout']),
    insecure: args['verify-ssl'] === false,
    caBundle: str(args['ca-bundle']),
  };
  if (debug && !opts.credentials) debug('sending the request unsigned (no credentials)');

  const result = await paginate(spec, input, args, opts, io);
  let view: unknown = renderTimestamps(model, spec.op.output, result);
  if (query !== undefined) view = jmespath.search(view, query);
  else if (typeof view === 'object' && view !== null && Object.keys(view).length === 0) {
    return EXIT.ok;
  }
  io.stdout(formatOutput(view, output, spec.operation));
  return EXIT.ok;
}

/** Calls once, or follows nextToken and merges the result list (unless --no-paginate). */
async function paginate(spec: VerbSpec, input: Record<string, unknown>, args: VerbArgs,
  opts: CallOptions, io: Io): Promise<Record<string, unknown>> {
  const pag = spec.model.paginators[spec.operation];
  const once = async (inp: Record<string, unknown>) => {
    const r = await call(spec, inp, opts);
    for (const w of r.warnings) io.stderr(`warning: ${w}\n`);
    return r.body;
  };
  if (!pag || args.paginate === false) return once(input);
  const pageSize = str(args['page-size']);
  const maxText = str(args['max-items']);
  const maxItems = maxText === undefined ? undefined : Number(maxText);
  const start = str(args['starting-token']);
  let token = start ?? (input[pag.input_token] as string | undefined);
  const items: unknown[] = [];
  let first: Record<string, unknown> | undefined;
  let next: string | undefined;
  for (;;) {
    const inp = { ...input };
    if (token !== undefined) inp[pag.input_token] = token;
    if (pageSize !== undefined && pag.limit_key) inp[pag.limit_key] = Number(pageSize);
    const page = await once(inp);
    first ??= page;
    items.push(...((page[pag.result_key] as unknown[] | undefined) ?? []));
    next = page[pag.output_token] as string | undefined;
    if (!next || (maxItems !== undefined && items.length >= maxItems)) break;
    token = next;
  }
  const out: Record<string, unknown> = { ...first, [pag.result_key]: items };
  delete out[pag.output_token];
  if (maxItems !== undefined && items.length > maxItems) {
    // TODO(fix): the AWS CLI resumes mid-page with an encoded token; ota-sim returns the
    // service token of the page boundary, so items past max-items on that page are skipped.
    out[pag.result_key] = items.slice(0, maxItems);
  }
  if (maxItems !== undefined && next) out.NextToken = next;
  return out;
}
