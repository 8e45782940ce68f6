import fs from 'node:fs/promises';
import path from 'node:path';
import { ScaledClock, type Clock, type ClockAnchor } from '../clock.js';
import { DEFAULTS } from '../protocol/defaults.js';
import { logger } from '../log.js';
import { loadOrCreateChain, type DevChain, type KeyKind } from '../pki/index.js';
import { EmbeddedBus, ExternalBus, type CloudBus } from './broker.js';
import { CloudCore } from './core.js';
import { jobHistory } from './jobs/history.js';
import { MqttApi } from './mqttApi.js';
import { startApiServer, type ApiServer } from './api/server.js';
import type { Router } from './api/router.js';

/** Starts one local cloud: broker (or external bus), services, REST API. */
export interface CloudOptions {
  host?: string;
  mqttPort?: number;
  apiPort?: number;
  brokerUrl?: string;
  timeScale?: number;
  clock?: Clock;
  certsDir?: string;
  region?: string;
  accountId?: string;
  strictTargets?: boolean;
}

export interface Cloud {
  core: CloudCore;
  bus: CloudBus;
  api: ApiServer;
  mqtt: MqttApi;
  endpointUrl: string;
  mqttUrl: string;
  clock: Clock;
  info(): CloudInfo;
  stop(): Promise<void>;
}

export interface CloudInfo {
  endpointUrl: string;
  mqttUrl: string;
  region: string;
  accountId: string;
  clock: ClockAnchor;
  /** Public half of the development chains, per key kind: what devices are provisioned with. */
  signingCerts: Record<string, { rootPem: string; intermediatePem: string; leafPem: string }>;
  pid: number;
}

export const DEFAULT_CERTS_DIR = path.resolve('certs', 'dev');

export async function loadChains(dir: string): Promise<Map<KeyKind, DevChain>> {
  const kinds: KeyKind[] = ['ecdsa', 'rsa2048', 'rsa3072'];
  const chains = await Promise.all(kinds.map((k) => loadOrCreateChain(dir, k)));
  return new Map(kinds.map((k, i) => [k, chains[i]!]));
}

export async function startCloud(opts: CloudOptions = {}): Promise<Cloud> {
  const host = opts.host ?? DEFAULTS.host;
  const clock = opts.clock ?? new ScaledClock({ scale: opts.timeScale ?? 1 });
  const account = { region: opts.region ?? DEFAULTS.region, accountId: opts.accountId ?? DEFAULTS.accountId };
  const log = logger().child({ component: 'cloud' });
  const chains = await loadChains(opts.certsDir ?? DEFAULT_CERTS_DIR);
  const bus: CloudBus = opts.brokerUrl
    ? await ExternalBus.connect(opts.brokerUrl)
    : await EmbeddedBus.start({ host, port: opts.mqttPort ?? 0 });
  const core = new CloudCore({
    clock,
    account,
    chains: (k) => chains.get(k)!,
    publish: (topic, payload) => bus.publish(topic, payload, 1),
    strictTargets: opts.strictTargets,
    warn: (m) => log.warn(m),
  });
  const mqtt = new MqttApi(bus, core.jobs, core.streams, core.objects, core.metrics);
  let info: () => CloudInfo = () => { throw new Error('not started'); };
  const extra = (r: Router) => {
    r.add('GET', '/ota-sim/info', 'OtaSimInfo', () => ({ body: info() }));
    r.add('GET', '/ota-sim/jobs/{jobId}/history', 'OtaSimJobHistory', (req) => {
      return { body: jobHistory(core.jobs.getJob(req.params.jobId!), mqtt.delivered) };
    });
    r.add('GET', '/metrics', 'Metrics', async () => {
      core.refreshGauges();
      return { raw: Buffer.from(await core.metrics.registry.metrics()),
        headers: { 'Content-Type': core.metrics.registry.contentType } };
    });
  };
  const api = await startApiServer(core, { host, port: opts.apiPort ?? 0, extra });
  const anchor = clock instanceof ScaledClock ? clock.anchor()
    : { scale: 1, anchorWall: Date.now(), anchorVirtual: clock.now() };
  info = () => ({
    endpointUrl: api.endpointUrl,
    mqttUrl: bus.mqttUrl,
    region: account.region,
    accountId: account.accountId,
    clock: anchor,
    signingCerts: Object.fromEntries([...chains].map(([k, c]) => [k,
      { rootPem: c.rootPem, intermediatePem: c.intermediatePem, leafPem: c.leafPem }])),
    pid: process.pid,
  });
  return {
    core, bus, api, mqtt, clock,
    endpointUrl: api.endpointUrl,
    mqttUrl: bus.mqttUrl,
    info,
    async stop() {
      await api.close();
      await bus.close();
    },
  };
}

/** Writes the ready file atomically so a watcher never reads half of it. */
export async function writeReadyFile(file: string, cloud: Cloud): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify({ endpointUrl: cloud.endpointUrl, mqttUrl: cloud.mqttUrl,
    pid: process.pid }));
  await fs.rename(tmp, file);
}
