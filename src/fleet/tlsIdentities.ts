import { ApiError, SimError } from '../protocol/errors.js';
import type { ThingConfig } from '../device/config.js';
import type { CloudClient } from '../client/cloudClient.js';
import { createChain, issueCert, type DevChain } from '../pki/index.js';

/**
 * A certificate per thing, the way a manufacturer does it for IoT Core: its own CA is
 * registered with the cloud (RegisterCACertificate), every thing gets an ECDSA P-256 key and a
 * client certificate from that CA, and each certificate is registered ACTIVE and attached to
 * its thing. Keys are made here, never by the cloud.
 */

export interface ThingIdentity {
  thingName: string;
  certPem: string;
  keyPem: string;
  certificateId: string;
  certificateArn: string;
}

export interface ProvisionOptions {
  /** The issuing CA; a fresh in-memory one when absent. */
  ca?: DevChain;
  /** Parallel REST calls. */
  width?: number;
}

export interface ProvisionResult {
  ca: DevChain;
  caCertificateId: string;
  identities: ThingIdentity[];
  /** Wall milliseconds spent making keys and certificates, and registering them. */
  issueMs: number;
  registerMs: number;
}

async function lanes<T>(items: T[], width: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/** Registers the CA's intermediate (the direct issuer of thing certificates), once. */
export async function registerDeviceCa(client: CloudClient, ca: DevChain): Promise<string> {
  try {
    const r = await client.call<{ certificateId: string }>('POST', '/cacertificate', {
      query: { setAsActive: true }, body: { caCertificate: ca.intermediatePem } });
    return r.certificateId;
  } catch (e) {
    if (!(e instanceof ApiError) || e.type !== 'ResourceAlreadyExistsException') throw e;
    const list = await client.call<{ certificates: { certificateId: string }[] }>('GET',
      '/cacertificates', { query: { pageSize: 250 } });
    for (const c of list.certificates) {
      const d = await client.call<{ certificateDescription: { certificatePem: string;
        status: string } }>('GET', `/cacertificate/${c.certificateId}`);
      if (d.certificateDescription.certificatePem.trim() === ca.intermediatePem.trim()) {
        // A CA someone set INACTIVE stays so: switching it back on is the operator's call.
        if (d.certificateDescription.status !== 'ACTIVE') {
          throw new SimError('OTASIM_BAD_OPTION', `the device CA ${c.certificateId} is ` +
            `${d.certificateDescription.status} on the cloud; activate it first (aws iot ` +
            'update-ca-certificate --new-status ACTIVE) or use another --ca-dir');
        }
        return c.certificateId;
      }
    }
    throw e;
  }
}

export async function issueThingCertificates(ca: DevChain, names: string[]):
  Promise<Array<{ thingName: string; certPem: string; keyPem: string }>> {
  const out = [];
  for (const thingName of names) {
    const c = await issueCert({ issuerPem: ca.intermediatePem,
      issuerKeyPem: ca.intermediateKeyPem, subjectCN: thingName, kind: 'ecdsa',
      usage: 'clientAuth' });
    out.push({ thingName, ...c });
  }
  return out;
}

/** Things must already exist in the registry. */
export async function provisionThingCertificates(client: CloudClient, names: string[],
  o: ProvisionOptions = {}): Promise<ProvisionResult> {
  const ca = o.ca ?? await createChain({ kind: 'ecdsa', commonNamePrefix: 'ota-sim fleet' });
  const caCertificateId = await registerDeviceCa(client, ca);
  const t0 = Date.now();
  const issued = await issueThingCertificates(ca, names);
  const t1 = Date.now();
  const identities: ThingIdentity[] = new Array(issued.length);
  const index = new Map(issued.map((x, i) => [x, i]));
  await lanes(issued, o.width ?? 32, async (x) => {
    const reg = await client.call<{ certificateId: string; certificateArn: string }>('POST',
      '/certificate/register', { query: { setAsActive: true },
        body: { certificatePem: x.certPem } });
    await client.call('PUT', `/things/${encodeURIComponent(x.thingName)}/principals`,
      { headers: { 'x-amzn-principal': reg.certificateArn } });
    identities[index.get(x)!] = { ...x, ...reg };
  });
  return { ca, caCertificateId, identities, issueMs: t1 - t0, registerMs: Date.now() - t1 };
}

/**
 * `--tls` for the demo and the fleet: certificates for `names` (already registered things),
 * as per-thing overrides pointing each thing at the cloud's TLS listener.
 */
export async function tlsThingOverrides(client: CloudClient, names: string[],
  info: { mqttsUrl?: string; tlsRootPem: string }):
  Promise<{ overrides: Map<string, Partial<ThingConfig>>; issueMs: number; registerMs: number }> {
  const url = info.mqttsUrl;
  if (!url) {
    throw new SimError('OTASIM_BAD_OPTION',
      '--tls needs a cloud with a TLS listener (ota-sim cloud --mqtts-port 0)');
  }
  const p = await provisionThingCertificates(client, names);
  const overrides = new Map(p.identities.map((id) => [id.thingName, {
    mqttUrl: url,
    tls: { certPem: id.certPem, keyPem: id.keyPem, caPem: info.tlsRootPem },
  } satisfies Partial<ThingConfig>]));
  return { overrides, issueMs: p.issueMs, registerMs: p.registerMs };
}
