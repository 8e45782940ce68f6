/**
 * Extracts the slice of the botocore service models that ota-sim serves and validates against
 * (protocol.md §0, S-MODEL-IOT / S-MODEL-SIG) into src/protocol/awsModel/*.json, without the
 * documentation strings. Run after `npx tsc -p tsconfig.json`:
 *   node dist/scripts/extractAwsModel.js "$(python3 -c 'import botocore,os;
 *     print(os.path.dirname(botocore.__file__))')/data"
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const OPERATIONS: Record<string, { dir: string; ops: string[] }> = {
  iot: {
    dir: 'iot/2015-05-28',
    ops: [
      'CreateOTAUpdate', 'GetOTAUpdate', 'ListOTAUpdates', 'DeleteOTAUpdate',
      'CreateStream', 'DescribeStream', 'UpdateStream', 'ListStreams', 'DeleteStream',
      'CreateJob', 'DescribeJob', 'ListJobs', 'GetJobDocument', 'CancelJob', 'DeleteJob',
      'ListJobExecutionsForJob', 'ListJobExecutionsForThing', 'DescribeJobExecution',
      'CancelJobExecution', 'CreateThing', 'DescribeThing', 'ListThings', 'CreateThingGroup',
      'DescribeThingGroup', 'AddThingToThingGroup', 'RemoveThingFromThingGroup',
      'ListThingsInThingGroup',
    ],
  },
  signer: {
    dir: 'signer/2017-08-25',
    ops: ['StartSigningJob', 'DescribeSigningJob', 'PutSigningProfile', 'GetSigningProfile',
      'ListSigningPlatforms'],
  },
};

const SHAPE_KEYS = ['type', 'required', 'min', 'max', 'pattern', 'enum', 'timestampFormat',
  'error', 'exception', 'payload', 'streaming', 'jsonvalue'];
const MEMBER_KEYS = ['shape', 'location', 'locationName', 'idempotencyToken', 'jsonvalue'];

type Json = Record<string, any>;

function pick(o: Json, keys: string[]): Json {
  const out: Json = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

function readJson(file: string): Json {
  const buf = fs.existsSync(file) ? fs.readFileSync(file)
    : zlib.gunzipSync(fs.readFileSync(`${file}.gz`));
  return JSON.parse(buf.toString('utf8')) as Json;
}

function extract(dataDir: string, service: string): Json {
  const { dir, ops } = OPERATIONS[service]!;
  const model = readJson(path.join(dataDir, dir, 'service-2.json'));
  const pag = readJson(path.join(dataDir, dir, 'paginators-1.json')).pagination as Json;
  const shapes: Json = {};
  const visit = (name: string) => {
    if (shapes[name]) return;
    const s = model.shapes[name] as Json;
    const out = pick(s, SHAPE_KEYS);
    shapes[name] = out;
    if (s.members) {
      out.members = {};
      for (const [m, def] of Object.entries(s.members as Json)) {
        out.members[m] = pick(def as Json, MEMBER_KEYS);
        visit((def as Json).shape);
      }
    }
    for (const k of ['member', 'key', 'value']) {
      if (s[k]) {
        out[k] = { shape: s[k].shape };
        visit(s[k].shape);
      }
    }
  };
  const operations: Json = {};
  const paginators: Json = {};
  for (const op of ops) {
    const o = model.operations[op] as Json;
    operations[op] = {
      http: o.http,
      input: o.input?.shape,
      output: o.output?.shape,
      errors: (o.errors ?? []).map((e: Json) => e.shape),
    };
    for (const k of ['input', 'output']) if (o[k]) visit(o[k].shape);
    for (const e of o.errors ?? []) visit(e.shape);
    if (pag[op]) paginators[op] = pag[op];
  }
  return { metadata: pick(model.metadata, ['apiVersion', 'endpointPrefix', 'protocol',
    'serviceId', 'signingName']), operations, paginators, shapes };
}

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: extractAwsModel <botocore data dir>');
const outDir = path.resolve('src', 'protocol', 'awsModel');
for (const service of Object.keys(OPERATIONS)) {
  const text = JSON.stringify(extract(dataDir, service), null, 1);
  fs.writeFileSync(path.join(outDir, `${service}.json`), `${text}\n`);
}
