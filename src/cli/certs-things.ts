import fs from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import { CloudClient } from '../client/cloudClient.js';
import { SimError } from '../protocol/errors.js';
import { DEFAULTS } from '../protocol/defaults.js';
import type { CloudInfo } from '../cloud/cloud.js';
import { loadOrCreateChain } from '../pki/index.js';
import { provisionThingCertificates } from '../fleet/tlsIdentities.js';
import { registerThings } from '../fleet/stage.js';
import { EXIT, reportError } from './errors.js';

/**
 * Certificates from the command line: the registry verbs as `aws iot` names them
 * (`registerCertVerbs`) and `certs things`, which issues thing certificates to files for
 * device code run outside ota-sim (`registerCertsThings`).
 */

const ENDPOINT = { type: 'string',
  describe: 'the cloud REST endpoint, e.g. http://127.0.0.1:PORT (or AWS_ENDPOINT_URL_IOT, ' +
    'AWS_ENDPOINT_URL, OTA_SIM_ENDPOINT)' } as const;

/** As for the other verbs: the flag, then the environment. */
function endpointOf(a: { 'endpoint-url'?: unknown }): string {
  const e = (a['endpoint-url'] as string | undefined) ?? process.env.AWS_ENDPOINT_URL_IOT ??
    process.env.AWS_ENDPOINT_URL ?? process.env.OTA_SIM_ENDPOINT;
  if (!e) {
    throw new SimError('OTASIM_BAD_OPTION', 'no endpoint: give --endpoint-url or set ' +
      'AWS_ENDPOINT_URL or OTA_SIM_ENDPOINT');
  }
  return e;
}

/** `file://path` or `fileb://path` reads the file, as the AWS CLI does; anything else is text. */
async function blobArg(v: string | undefined): Promise<string | undefined> {
  if (v === undefined) return undefined;
  const m = /^fileb?:\/\/(.+)$/.exec(v);
  if (!m) return v;
  try {
    return await fs.readFile(m[1]!, 'utf8');
  } catch (e) {
    throw new SimError('OTASIM_BAD_INPUT_FILE', `${m[1]}: cannot read: ${(e as Error).message}`);
  }
}

type Call = (c: CloudClient, a: Record<string, unknown>) => Promise<unknown>;

/** Runs one verb against the cloud and prints its JSON output as the AWS CLI does. */
function verb(operation: string, call: Call) {
  return async (a: Record<string, unknown>) => {
    const client = new CloudClient(endpointOf(a));
    try {
      const out = await call(client, a);
      if (out && Object.keys(out).length) {
        process.stdout.write(JSON.stringify(out, null, 4) + '\n');
      }
    } catch (e) {
      process.exitCode = reportError(e, operation);
    } finally {
      await client.close();
    }
  };
}

const str = (a: Record<string, unknown>, k: string) =>
  (a[k] === undefined ? undefined : String(a[k]));

export function registerCertVerbs(y: Argv): Argv {
  return y
    .command('create-keys-and-certificate', 'Make a key pair and a certificate signed by the cloud',
      (b) => b.option('endpoint-url', ENDPOINT)
        .option('set-as-active', { type: 'boolean', default: false })
        .option('certificate-pem-outfile', { type: 'string' })
        .option('public-key-outfile', { type: 'string' })
        .option('private-key-outfile', { type: 'string' }),
      verb('CreateKeysAndCertificate', async (c, a) => {
        const r = await c.call<{ certificatePem: string; keyPair: { PublicKey: string;
          PrivateKey: string } }>('POST', '/keys-and-certificate',
          { query: { setAsActive: Boolean(a['set-as-active']) } });
        const files: Array<[string, string]> = [['certificate-pem-outfile', r.certificatePem],
          ['public-key-outfile', r.keyPair.PublicKey],
          ['private-key-outfile', r.keyPair.PrivateKey]];
        for (const [k, text] of files) {
          const f = str(a, k);
          if (f) await fs.writeFile(f, text, { mode: k.startsWith('private') ? 0o600 : 0o644 });
        }
        return r;
      }))
    .command('register-ca-certificate', 'Register a CA whose certificates may connect',
      (b) => b.option('endpoint-url', ENDPOINT)
        .option('ca-certificate', { type: 'string', demandOption: true,
          describe: 'PEM text or file://path' })
        .option('verification-certificate', { type: 'string' })
        .option('set-as-active', { type: 'boolean', default: false })
        .option('allow-auto-registration', { type: 'boolean', default: false }),
      verb('RegisterCACertificate', async (c, a) => c.call('POST', '/cacertificate', {
        query: { setAsActive: Boolean(a['set-as-active']),
          allowAutoRegistration: Boolean(a['allow-auto-registration']) },
        body: { caCertificate: await blobArg(str(a, 'ca-certificate')),
          verificationCertificate: await blobArg(str(a, 'verification-certificate')) },
      })))
    .command('register-certificate', 'Register a device certificate signed by a registered CA',
      (b) => b.option('endpoint-url', ENDPOINT)
        .option('certificate-pem', { type: 'string', demandOption: true,
          describe: 'PEM text or file://path' })
        .option('ca-certificate-pem', { type: 'string' })
        .option('set-as-active', { type: 'boolean', default: false })
        .option('status', { type: 'string' }),
      verb('RegisterCertificate', async (c, a) => c.call('POST', '/certificate/register', {
        query: { setAsActive: Boolean(a['set-as-active']) },
        body: { certificatePem: await blobArg(str(a, 'certificate-pem')),
          caCertificatePem: await blobArg(str(a, 'ca-certificate-pem')), status: str(a, 'status') },
      })))
    .command('describe-certificate', 'Describe a certificate',
      (b) => b.option('endpoint-url', ENDPOINT)
        .option('certificate-id', { type: 'string', demandOption: true }),
      verb('DescribeCertificate', (c, a) =>
        c.call('GET', `/certificates/${encodeURIComponent(String(a['certificate-id']))}`)))
    .command('update-certificate', 'Set a certificate ACTIVE, INACTIVE or REVOKED',
      (b) => b.option('endpoint-url', ENDPOINT)
        .option('certificate-id', { type: 'string', demandOption: true })
        .option('new-status', { type: 'string', demandOption: true,
          choices: ['ACTIVE', 'INACTIVE', 'REVOKED', 'PENDING_TRANSFER', 'REGISTER_INACTIVE',
            'PENDING_ACTIVATION'] }),
      verb('UpdateCertificate', (c, a) =>
        c.call('PUT', `/certificates/${encodeURIComponent(String(a['certificate-id']))}`,
          { query: { newStatus: String(a['new-status']) } })))
    .command('attach-thing-principal', 'Attach a certificate (its ARN) to a thing',
      (b) => b.option('endpoint-url', ENDPOINT)
        .option('thing-name', { type: 'string', demandOption: true })
        .option('principal', { type: 'string', demandOption: true })
        .option('thing-principal-type', { choices: ['EXCLUSIVE_THING', 'NON_EXCLUSIVE_THING'] }),
      verb('AttachThingPrincipal', (c, a) =>
        c.call('PUT', `/things/${encodeURIComponent(String(a['thing-name']))}/principals`, {
          headers: { 'x-amzn-principal': String(a.principal) },
          query: { thingPrincipalType: str(a, 'thing-principal-type') } })))
    .command('detach-thing-principal', 'Detach a certificate from a thing',
      (b) => b.option('endpoint-url', ENDPOINT)
        .option('thing-name', { type: 'string', demandOption: true })
        .option('principal', { type: 'string', demandOption: true }),
      verb('DetachThingPrincipal', (c, a) =>
        c.call('DELETE', `/things/${encodeURIComponent(String(a['thing-name']))}/principals`,
          { headers: { 'x-amzn-principal': String(a.principal) } })))
    .command('list-thing-principals', 'List the certificates attached to a thing',
      (b) => b.option('endpoint-url', ENDPOINT)
        .option('thing-name', { type: 'string', demandOption: true })
        .option('max-results', { type: 'number' })
        .option('next-token', { type: 'string' }),
      verb('ListThingPrincipals', (c, a) =>
        c.call('GET', `/things/${encodeURIComponent(String(a['thing-name']))}/principals`, {
          query: { maxResults: a['max-results'] as number | undefined,
            nextToken: str(a, 'next-token') } })));
}

export interface IssueThingsOptions {
  endpointUrl: string;
  names: string[];
  outDir: string;
  /** The device CA, kept here so later runs reuse (and the cloud keeps trusting) it. */
  caDir: string;
  group?: string;
}

export interface IssuedThingFiles {
  mqttsUrl: string | null;
  rootCaFile: string;
  things: Array<{ thingName: string; certificateId: string; certificateArn: string;
    certificateFile: string; privateKeyFile: string }>;
}

/**
 * Creates the things (in `group`, if given), gives each an ACTIVE attached certificate, and
 * writes `<out>/<thing>/{certificate.pem.crt,private.pem.key}`, `<out>/root-ca.pem` (the
 * server's trust anchor) and `<out>/manifest.json` (the returned object).
 */
export async function issueThingFiles(o: IssueThingsOptions): Promise<IssuedThingFiles> {
  const names = [...new Set(o.names)];
  // The files must be writable before any credential exists: a live certificate whose key
  // could not be written would be left behind.
  try {
    await fs.mkdir(o.outDir, { recursive: true });
    await fs.access(o.outDir, fs.constants.W_OK);
  } catch (e) {
    throw new SimError('OTASIM_BAD_OPTION',
      `--out ${o.outDir}: not a writable directory: ${(e as Error).message}`);
  }
  const client = new CloudClient(o.endpointUrl);
  try {
    const info = await client.call<CloudInfo>('GET', '/ota-sim/info');
    await registerThings(client, o.group, names);
    const ca = await loadOrCreateChain(o.caDir, 'ecdsa');
    const p = await provisionThingCertificates(client, names, { ca });
    const rootCaFile = path.join(o.outDir, 'root-ca.pem');
    await fs.writeFile(rootCaFile, info.tlsRootPem);
    const things = [];
    for (const id of p.identities) {
      const dir = path.join(o.outDir, id.thingName);
      await fs.mkdir(dir, { recursive: true });
      const certificateFile = path.join(dir, 'certificate.pem.crt');
      const privateKeyFile = path.join(dir, 'private.pem.key');
      await fs.writeFile(certificateFile, id.certPem);
      await fs.writeFile(privateKeyFile, id.keyPem, { mode: 0o600 });
      things.push({ thingName: id.thingName, certificateId: id.certificateId,
        certificateArn: id.certificateArn, certificateFile, privateKeyFile });
    }
    const manifest: IssuedThingFiles = { mqttsUrl: info.mqttsUrl ?? null, rootCaFile, things };
    await fs.writeFile(path.join(o.outDir, 'manifest.json'), JSON.stringify(manifest, null, 2));
    return manifest;
  } finally {
    await client.close();
  }
}

/** `things` under `ota-sim certs`: thing certificates to files. */
export function registerCertsThings(y: Argv): Argv {
  return y.command('things', 'Issue and register a certificate per thing, written to files',
    (b) => b.option('endpoint-url', ENDPOINT)
      .option('things', { type: 'number', describe: 'how many things (named PREFIX00001…)' })
      .option('names', { type: 'string', describe: 'comma-separated thing names instead' })
      .option('prefix', { type: 'string', default: DEFAULTS.fleet.thingPrefix })
      .option('group', { type: 'string', describe: 'also put the things in this thing group' })
      .option('out', { type: 'string', demandOption: true, describe: 'output directory' })
      .option('ca-dir', { type: 'string', default: path.join('certs', 'dev', 'device-ca'),
        describe: 'device CA (made on first use)' }),
    async (a) => {
      const names = a.names ? a.names.split(',').filter(Boolean)
        : Array.from({ length: a.things ?? 0 }, (_, i) =>
          `${a.prefix}${String(i + 1).padStart(5, '0')}`);
      if (names.length === 0) {
        process.stderr.write('ota-sim: OTASIM_BAD_OPTION: give --things N or --names a,b\n');
        process.exitCode = EXIT.usage;
        return;
      }
      try {
        const m = await issueThingFiles({ endpointUrl: endpointOf(a), names,
          outDir: a.out, caDir: a['ca-dir'], group: a.group });
        process.stdout.write(JSON.stringify({ mqttsUrl: m.mqttsUrl, rootCaFile: m.rootCaFile,
          things: m.things.length }) + '\n');
      } catch (e) {
        process.exitCode = reportError(e, 'certs things');
      }
    });
}
