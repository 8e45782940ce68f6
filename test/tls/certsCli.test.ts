import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import yargs from 'yargs';
import type { Cloud } from '../../src/cloud/cloud.js';
import type { CloudClient } from '../../src/client/cloudClient.js';
import { registerCertsThings, registerCertVerbs } from '../../src/cli/certs-things.js';
import { createChain, issueCert } from '../../src/pki/index.js';
import { tmpDir } from '../helpers.js';
import { connectAs, createThings, tlsCloud } from './fixtures.js';

/** Runs ota-sim verbs in-process; returns stdout, stderr and the exit code they set. */
async function cli(args: string[]) {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
  process.exitCode = undefined;
  try {
    const y = yargs(args).strict().exitProcess(false);
    registerCertVerbs(y);
    y.command('certs', 'certificates', (b) => registerCertsThings(b));
    await y.parseAsync();
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const code = process.exitCode ?? 0;
  process.exitCode = undefined;
  return { out, err, code };
}

describe('certificate verbs and `certs things`', () => {
  let cloud: Cloud;
  let client: CloudClient;
  const ep = () => ['--endpoint-url', cloud.endpointUrl];

  beforeAll(async () => {
    ({ cloud, client } = await tlsCloud());
    await createThings(client, ['cli-a', 'cli-b']);
  });
  afterEach(() => { process.exitCode = undefined; });
  afterAll(async () => {
    await client.close();
    await cloud.stop();
  });

  it('creates keys and a certificate, attaches, describes, revokes, refuses un-revoking',
    async () => {
      const made = await cli(['create-keys-and-certificate', '--set-as-active', ...ep()]);
      const r = JSON.parse(made.out) as { certificateArn: string; certificateId: string;
        certificatePem: string; keyPair: { PrivateKey: string } };
      expect(r.certificateArn).toBe(
        `arn:aws:iot:us-east-1:123456789012:cert/${r.certificateId}`);
      expect((await cli(['attach-thing-principal', '--thing-name', 'cli-a',
        '--principal', r.certificateArn, ...ep()])).code).toBe(0);
      const listed = await cli(['list-thing-principals', '--thing-name', 'cli-a', ...ep()]);
      expect(JSON.parse(listed.out)).toEqual({ principals: [r.certificateArn] });
      const c = await connectAs(cloud, { certPem: r.certificatePem,
        keyPem: r.keyPair.PrivateKey }, 'cli-a');
      await c.endAsync();
      const id = ['--certificate-id', r.certificateId];
      await cli(['update-certificate', ...id, '--new-status', 'REVOKED', ...ep()]);
      const d = JSON.parse((await cli(['describe-certificate', ...id, ...ep()])).out);
      expect(d.certificateDescription.status).toBe('REVOKED');
      const back = await cli(['update-certificate', ...id, '--new-status', 'ACTIVE', ...ep()]);
      expect([back.code, back.err.trim()]).toEqual([254, 'An error occurred ' +
        '(CertificateStateException) when calling the UpdateCertificate operation: ' +
        `Certificate ${r.certificateId} is REVOKED; a revoked certificate cannot change status`]);
      await cli(['detach-thing-principal', '--thing-name', 'cli-a', '--principal',
        r.certificateArn, ...ep()]);
      const after = await cli(['list-thing-principals', '--thing-name', 'cli-a', ...ep()]);
      expect(JSON.parse(after.out)).toEqual({ principals: [] });
    });

  it('registers a CA and a certificate from file:// paths', async () => {
    const dir = tmpDir();
    const ca = await createChain({ kind: 'ecdsa', commonNamePrefix: 'cli maker' });
    const leaf = await issueCert({ issuerPem: ca.intermediatePem,
      issuerKeyPem: ca.intermediateKeyPem, subjectCN: 'cli-b', kind: 'ecdsa',
      usage: 'clientAuth' });
    fs.writeFileSync(path.join(dir, 'ca.pem'), ca.intermediatePem);
    fs.writeFileSync(path.join(dir, 'leaf.pem'), leaf.certPem);
    const early = await cli(['register-certificate', '--certificate-pem',
      `file://${path.join(dir, 'leaf.pem')}`, ...ep()]);
    expect(early.err).toContain('(CertificateValidationException)');
    const caOut = await cli(['register-ca-certificate', '--ca-certificate',
      `file://${path.join(dir, 'ca.pem')}`, '--set-as-active', ...ep()]);
    expect(JSON.parse(caOut.out).certificateArn).toMatch(/:cacert\/[0-9a-f]{64}$/);
    const reg = JSON.parse((await cli(['register-certificate', '--certificate-pem',
      `file://${path.join(dir, 'leaf.pem')}`, ...ep()])).out);
    const d = JSON.parse((await cli(['describe-certificate', '--certificate-id',
      reg.certificateId, ...ep()])).out).certificateDescription;
    expect([d.status, d.caCertificateId])
      .toEqual(['INACTIVE', JSON.parse(caOut.out).certificateId]);
  });

  it('issues thing certificates to files that connect over TLS', async () => {
    const dir = tmpDir();
    const r = await cli(['certs', 'things', '--names', 'file-1,file-2', '--out', dir,
      '--ca-dir', path.join(dir, 'ca'), ...ep()]);
    expect(JSON.parse(r.out)).toEqual({ mqttsUrl: cloud.mqttsUrl,
      rootCaFile: path.join(dir, 'root-ca.pem'), things: 2 });
    const read = (f: string) => fs.readFileSync(path.join(dir, 'file-2', f), 'utf8');
    const c = await connectAs(cloud, { certPem: read('certificate.pem.crt'),
      keyPem: read('private.pem.key') }, 'file-2',
    { ca: fs.readFileSync(path.join(dir, 'root-ca.pem'), 'utf8') });
    expect(c.connected).toBe(true);
    await c.endAsync();
  });

  it('refuses an --out that is not a writable directory before any certificate exists',
    async () => {
      const dir = tmpDir();
      const file = path.join(dir, 'plain-file');
      fs.writeFileSync(file, 'x');
      const r = await cli([...ep(), 'certs', 'things', '--names', 'no-out-1', '--out',
        path.join(file, 'sub')]);
      expect(r.code).toBe(252);
      expect(r.err).toContain('not a writable directory');
      const p = await client.call<{ principals: string[] }>('GET', '/things/no-out-1/principals')
        .catch((e: Error) => ({ principals: [], error: e.message }));
      expect(p.principals).toEqual([]);
    });
});

