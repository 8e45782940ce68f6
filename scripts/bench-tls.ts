import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { startCloud } from '../src/cloud/cloud.js';
import { CloudClient } from '../src/client/cloudClient.js';
import { registerThings } from '../src/fleet/stage.js';
import { provisionThingCertificates, type ThingIdentity } from '../src/fleet/tlsIdentities.js';

/**
 * TLS connection setup figures for `npm run bench`: certificates made and registered per
 * second, full mutual-TLS handshakes per second, and TLS + MQTT CONNECT/CONNACK per second,
 * against an in-process cloud on loopback. Client and server share this process, so each
 * figure pays for both ends' cryptography on the same event loop.
 */

export interface BenchTlsOptions {
  /** Distinct things, each with its own certificate (default 1000). */
  things?: number;
  /** Connections in flight at once (default 50). */
  concurrency?: number;
  certsDir?: string;
}

export interface BenchTlsResult {
  things: number;
  concurrency: number;
  certificatesPerSecond: number;
  registrationsPerSecond: number;
  handshakesPerSecond: number;
  mqttConnectsPerSecond: number;
  tlsVersion: string | null;
}

async function timed(n: number, width: number, one: (i: number) => Promise<void>):
  Promise<number> {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(width, n) }, async () => {
    while (next < n) await one(next++);
  }));
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

export async function benchTls(opts: BenchTlsOptions = {}): Promise<BenchTlsResult> {
  const n = opts.things ?? 1000;
  const width = opts.concurrency ?? 50;
  const cloud = await startCloud({ mqttsPort: 0, certsDir: opts.certsDir });
  const client = new CloudClient(cloud.endpointUrl);
  try {
    const names = Array.from({ length: n }, (_, i) => `bench-${String(i + 1).padStart(5, '0')}`);
    await registerThings(client, undefined, names, 32);
    const p = await provisionThingCertificates(client, names);
    const ids: ThingIdentity[] = p.identities;
    const ca = cloud.info().tlsRootPem;
    const url = new URL(cloud.mqttsUrl!);
    let version: string | null = null;
    const hsSeconds = await timed(n, width, (i) => new Promise<void>((resolve, reject) => {
      const s = tls.connect({ host: url.hostname, port: Number(url.port), ca,
        key: ids[i]!.keyPem, cert: ids[i]!.certPem, servername: 'localhost' });
      s.once('secureConnect', () => {
        version = s.getProtocol();
        s.destroy();
        resolve();
      });
      s.once('error', reject);
    }));
    const mqttSeconds = await timed(n, width, async (i) => {
      const c = await mqtt.connectAsync(cloud.mqttsUrl!, { clientId: ids[i]!.thingName, ca,
        key: ids[i]!.keyPem, cert: ids[i]!.certPem, reconnectPeriod: 0 });
      await c.endAsync(true);
    });
    const rate = (count: number, seconds: number) => Math.round(count / Math.max(seconds, 1e-6));
    return {
      things: n, concurrency: width,
      certificatesPerSecond: rate(n, p.issueMs / 1000),
      registrationsPerSecond: rate(n, p.registerMs / 1000),
      handshakesPerSecond: rate(n, hsSeconds),
      mqttConnectsPerSecond: rate(n, mqttSeconds),
      tlsVersion: version,
    };
  } finally {
    await client.close();
    await cloud.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const things = Number(process.argv[2] ?? 1000);
  process.stdout.write(JSON.stringify(await benchTls({ things }), null, 2) + '\n');
}
