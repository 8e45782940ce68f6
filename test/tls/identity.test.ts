import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import mqtt from 'mqtt';
import type { Cloud } from '../../src/cloud/cloud.js';
import type { CloudClient } from '../../src/client/cloudClient.js';
import type { Refusal } from '../../src/cloud/tls/gate.js';
import { createChain, issueCert } from '../../src/pki/index.js';
import { provisionThingCertificates, type ThingIdentity } from
  '../../src/fleet/tlsIdentities.js';
import { closed, connectAs, createThings, tlsCloud } from './fixtures.js';

describe('mutual TLS identity on the broker', () => {
  let cloud: Cloud;
  let client: CloudClient;
  let refusals: Refusal[];
  let ids: Map<string, ThingIdentity>;
  const names = ['tls-a', 'tls-b', 'tls-revoked', 'tls-live'];

  beforeAll(async () => {
    ({ cloud, client, refusals } = await tlsCloud());
    await createThings(client, names);
    const p = await provisionThingCertificates(client, names);
    ids = new Map(p.identities.map((i) => [i.thingName, i]));
  });
  afterAll(async () => {
    await client.close();
    await cloud.stop();
  });

  const refusalOf = (clientId: string) => refusals.filter((r) => r.clientId === clientId)
    .map((r) => r.reason);

  it('writes the TLS listener as mqtts:// on loopback', () => {
    expect(cloud.mqttsUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    expect(cloud.info().mqttsUrl).toBe(cloud.mqttsUrl);
  });

  it('serves a certificate naming 127.0.0.1, ::1 and localhost, over TLS 1.2 and 1.3 with SNI',
    async () => {
      const port = Number(new URL(cloud.mqttsUrl!).port);
      const id = ids.get('tls-a')!;
      const seen: Array<{ version: string | null; sanOk: boolean[] }> = [];
      for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
        const sock = tls.connect({ host: '127.0.0.1', port, servername: 'localhost',
          ca: cloud.info().tlsRootPem, key: id.keyPem, cert: id.certPem,
          minVersion: version, maxVersion: version });
        await new Promise<void>((resolve, reject) => {
          sock.once('secureConnect', resolve);
          sock.once('error', reject);
        });
        const x = new X509Certificate(sock.getPeerCertificate().raw);
        seen.push({ version: sock.getProtocol(), sanOk: [
          x.checkIP('127.0.0.1') !== undefined, x.checkIP('::1') !== undefined,
          x.checkHost('localhost') !== undefined] });
        expect(sock.authorized).toBe(true);
        sock.destroy();
      }
      expect(seen).toEqual([
        { version: 'TLSv1.2', sanOk: [true, true, true] },
        { version: 'TLSv1.3', sanOk: [true, true, true] },
      ]);
    });

  it('accepts an ACTIVE attached certificate with client id = thing name and SDK metrics',
    async () => {
      const c = await connectAs(cloud, ids.get('tls-a')!, 'tls-a',
        { username: '?SDK=JavaScript&Version=2.1.0' });
      expect(c.connected).toBe(true);
      await c.endAsync();
      expect(refusalOf('tls-a')).toEqual([]);
    });

  it('refuses a certificate from an unknown CA with "not authorized" and the reason',
    async () => {
      const other = await createChain({ kind: 'ecdsa', commonNamePrefix: 'stranger' });
      const rogue = await issueCert({ issuerPem: other.intermediatePem,
        issuerKeyPem: other.intermediateKeyPem, subjectCN: 'tls-b', kind: 'ecdsa',
        usage: 'clientAuth' });
      const err = await connectAs(cloud, rogue, 'tls-b').then(() => undefined, (e: unknown) => e);
      expect((err as { code?: number }).code).toBe(5);
      expect(refusalOf('tls-b')).toEqual(
        ['certificate issued by an unknown CA (CN=stranger Intermediate CA)']);
    });

  it('refuses a REVOKED certificate', async () => {
    const id = ids.get('tls-revoked')!;
    await client.call('PUT', `/certificates/${id.certificateId}`,
      { query: { newStatus: 'REVOKED' } });
    const err = await connectAs(cloud, id, 'tls-revoked').then(() => undefined, (e) => e);
    expect((err as { code?: number }).code).toBe(5);
    expect(refusalOf('tls-revoked')).toEqual([`certificate ${id.certificateId} is REVOKED`]);
  });

  it('refuses a client id that is not the attached thing', async () => {
    const err = await connectAs(cloud, ids.get('tls-a')!, 'tls-b').then(() => undefined,
      (e) => e);
    expect((err as { code?: number }).code).toBe(5);
    expect(refusalOf('tls-b').at(-1)).toBe(
      "client id 'tls-b' does not match the thing attached to the certificate (tls-a)");
  });

  it('refuses a connection without a client certificate', async () => {
    const err = await connectAs(cloud, { certPem: '', keyPem: '' }, 'tls-nocert',
      { key: undefined, cert: undefined }).then(() => undefined, (e) => e);
    expect((err as { code?: number }).code).toBe(5);
    expect(refusalOf('tls-nocert')).toEqual(['no client certificate presented']);
  });

  it('drops a live connection when its certificate is set INACTIVE', async () => {
    const id = ids.get('tls-live')!;
    const c = await connectAs(cloud, id, 'tls-live');
    expect(cloud.gate.connectionsOf(id.certificateId)).toBe(1);
    const gone = closed(c);
    await client.call('PUT', `/certificates/${id.certificateId}`,
      { query: { newStatus: 'INACTIVE' } });
    await gone;
    expect(c.connected).toBe(false);
    expect(refusalOf('tls-live')).toEqual(['disconnected: certificate is INACTIVE']);
    const again = await connectAs(cloud, id, 'tls-live').then(() => undefined, (e) => e);
    expect((again as { code?: number }).code).toBe(5);
    await c.endAsync(true);
  });

  it('refuses a plain connection that claims the client id of a live TLS thing', async () => {
    const c = await connectAs(cloud, ids.get('tls-b')!, 'tls-b');
    const impostor = await mqtt.connectAsync(cloud.mqttUrl, { clientId: 'tls-b',
      reconnectPeriod: 0 }).then(() => undefined, (e: { code?: number }) => e);
    expect(impostor?.code).toBe(5);
    expect(c.connected).toBe(true);
    expect(refusalOf('tls-b').at(-1))
      .toBe('the client id has a live certificate-authenticated connection');
    await c.endAsync();
    await new Promise((r) => setTimeout(r, 100));
    // Once the TLS thing is gone the id is free again on the plain port.
    const plain = await mqtt.connectAsync(cloud.mqttUrl,
      { clientId: 'tls-b', reconnectPeriod: 0 });
    await plain.endAsync();
  });
});
