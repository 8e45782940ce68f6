import mqtt from 'mqtt';
import type { ManualClock } from '../../src/clock.js';
import type { Cloud } from '../../src/cloud/cloud.js';
import type { CloudClient } from '../../src/client/cloudClient.js';
import { defaultThingConfig, type ThingConfig } from '../../src/device/config.js';
import { OtaAgent } from '../../src/device/agent.js';
import { signingFor, signingCertificateArn, type SigningName } from '../../src/device/signing.js';
import { readIntermediate, readLeaf } from '../helpers.js';

/** Helpers for the device, HTTP and field-case suites (real cloud on loopback, manual clock). */

export const CERT_PATH = '/certs/codesign.crt';
export const ROLE = 'arn:aws:iam::123456789012:role/ota';

/** A thing configured to trust the cloud's development chain for `signing`. */
export function deviceConfig(cloud: Cloud, name: string, signing: SigningName,
  overrides: Partial<ThingConfig> = {}): ThingConfig {
  const s = signingFor(signing);
  return defaultThingConfig(name, cloud.mqttUrl, {
    certStore: { [CERT_PATH]: readLeaf(s.keyKind) },
    trustedRootsPem: [cloud.info().signingCerts[s.keyKind]!.rootPem],
    intermediatesPem: [readIntermediate(s.keyKind)],
    signatureKey: s.signatureKey,
    bootDelayMs: 100,
    ...overrides,
  });
}

let groups = 0;

/** Registers things in a fresh group, uploads the image and signs it with `signing`. */
export async function stageSigned(client: CloudClient, opts: {
  things: string[]; image: Buffer; signing: SigningName; key?: string;
}): Promise<{ groupArn: string; signingJobId: string; key: string }> {
  const s = signingFor(opts.signing);
  const group = `g${++groups}_${Date.now().toString(36)}`;
  const key = opts.key ?? `fw-${group}.bin`;
  await client.call('POST', `/thing-groups/${group}`, { body: {} });
  for (const t of opts.things) {
    await client.call('POST', `/things/${t}`, { body: {} });
    await client.call('PUT', '/thing-groups/addThingToThingGroup', {
      body: { thingGroupName: group, thingName: t } });
  }
  await client.putObject('fw-bucket', key, opts.image);
  const profile = `p_${group}`;
  await client.call('PUT', `/signing-profiles/${profile}`, { body: {
    platformId: s.platformId,
    signingMaterial: { certificateArn: signingCertificateArn(s, 'us-east-1', '123456789012') },
    signingParameters: { certname: CERT_PATH },
  } });
  const job = await client.call<{ jobId: string }>('POST', '/signing-jobs', { body: {
    source: { s3: { bucketName: 'fw-bucket', key } },
    destination: { s3: { bucketName: 'fw-bucket', prefix: 'signed/' } },
    profileName: profile,
  } });
  return { groupArn: `arn:aws:iot:us-east-1:123456789012:thinggroup/${group}`,
    signingJobId: job.jobId, key };
}

export async function createOta(cloud: Cloud, client: CloudClient, id: string, opts: {
  targets: string[]; protocols: string[]; signingJobId: string; key: string;
  expiresInSec?: number; timeoutMinutes?: number;
}): Promise<string> {
  await client.call('POST', `/otaUpdates/${id}`, { body: {
    targets: opts.targets, protocols: opts.protocols, roleArn: ROLE,
    files: [{ fileName: 'firmware.bin', fileLocation: { s3Location: { bucket: 'fw-bucket',
      key: opts.key } }, codeSigning: { awsSignerJobId: opts.signingJobId } }],
    ...(opts.expiresInSec ? { awsJobPresignedUrlConfig: { expiresInSec: opts.expiresInSec } } : {}),
    ...(opts.timeoutMinutes
      ? { awsJobTimeoutConfig: { inProgressTimeoutInMinutes: opts.timeoutMinutes } } : {}),
  } });
  await cloud.core.ota.get(id).done;
  const u = cloud.core.ota.get(id);
  if (u.status !== 'CREATE_COMPLETE') throw new Error(`OTA update ${id}: ${u.errorInfo?.message}`);
  return u.awsIotJobId!;
}

/**
 * Waits (wall time, bounded) for `cond`, moving the manual clock only where the device itself
 * waits on it: a pending boot. Request timers never fire, so no block is asked for twice.
 */
export async function pump(clock: ManualClock, agents: OtaAgent[], cond: () => boolean,
  what = 'condition', wallMs = 20_000): Promise<void> {
  const end = Date.now() + wallMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    clock.advance(0);
    const booting = agents.find((a) => a.stats.phase === 'rebooting');
    if (booting) clock.advance(booting.cfg.bootDelayMs);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function startAgent(cfg: ThingConfig, clock: ManualClock): OtaAgent {
  const a = new OtaAgent(cfg, clock);
  a.start();
  return a;
}

/** Every job-status update things publish, in arrival order, per thing. */
export class StatusRecorder {
  readonly byThing = new Map<string, string[]>();
  private constructor(private readonly client: mqtt.MqttClient) {}

  static async start(mqttUrl: string): Promise<StatusRecorder> {
    const client = await mqtt.connectAsync(mqttUrl,
      { clientId: `recorder-${process.pid}-${groups}` });
    const r = new StatusRecorder(client);
    client.on('message', (topic, payload) => {
      const m = /^\$aws\/things\/([^/]+)\/jobs\/([^/]+)\/update$/.exec(topic);
      if (!m) return;
      const list = r.byThing.get(m[1]!) ?? [];
      list.push(payload.toString('utf8'));
      r.byThing.set(m[1]!, list);
    });
    await client.subscribeAsync('$aws/things/+/jobs/+/update', { qos: 1 });
    return r;
  }

  of(thing: string): string[] {
    return this.byThing.get(thing) ?? [];
  }

  stop(): Promise<void> {
    return this.client.endAsync(true);
  }
}

/** Current value of a prom-client counter for exactly these labels (0 when never counted). */
export async function counterValue(
  counter: { get(): Promise<{ values: Array<{ labels: object; value: number }> }> },
  labels: Record<string, string> = {},
): Promise<number> {
  const { values } = await counter.get();
  const hit = values.find((v) => Object.entries(labels)
    .every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want));
  return hit?.value ?? 0;
}
