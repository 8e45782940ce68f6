import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScaledClock, type Clock, type ClockAnchor } from '../clock.js';
import { DEFAULTS } from '../protocol/defaults.js';
import { logger } from '../log.js';
import { loadOrCreateChain, type DevChain, type KeyKind } from '../pki/index.js';
import { EmbeddedBus, ExternalBus, type CloudBus } from './broker.js';
import { CloudCore } from './core.js';
import { jobHistory } from './jobs/history.js';
import { ThingThrottle } from './jobs/throttle.js';
import { MqttApi } from './mqttApi.js';
import { startApiServer, type ApiServer } from './api/server.js';
import type { Router } from './api/router.js';
import type { SigV4Keys } from './api/sigv4.js';
import { addCertRoutes } from './api/certRoutes.js';
import { CertificateRegistry } from './certificates.js';
import { ConnectionGate, type PlainIsolation } from './tls/gate.js';
import { loadServerIdentity, serverTlsOptions } from './tls/serverIdentity.js';
import { addPresignedRoutes } from './api/presignedRoutes.js';

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
  /** Verify SigV4 signatures against these keys; by default any credentials are accepted. */
  verifySigV4?: SigV4Keys;
  /** Mutual-TLS MQTT listener port (0 = any free port); undefined = no TLS listener. */
  mqttsPort?: number;
  /** Topic isolation on the plain listener (see src/cloud/tls/gate.ts); default 'thing'. */
  plainIsolation?: PlainIsolation;
  /** Jobs MQTT requests allowed per thing per (virtual) second; undefined = unlimited. */
  jobsRateLimit?: number;
}

export interface Cloud {
  core: CloudCore;
  bus: CloudBus;
  api: ApiServer;
  mqtt: MqttApi;
  endpointUrl: string;
  mqttUrl: string;
  mqttsUrl?: string;
  certs: CertificateRegistry;
  gate: ConnectionGate;
  clock: Clock;
  info(): CloudInfo;
  stop(): Promise<void>;
}

export interface CloudInfo {
  endpointUrl: string;
  mqttUrl: string;
  /** The mutual-TLS listener, when started with mqttsPort. */
  mqttsUrl?: string;
  /** The CA root devices trust for the TLS listener (like Amazon Root CA 1). */
  tlsRootPem: string;
  region: string;
  accountId: string;
  clock: ClockAnchor;
  /** Public half of the development chains, per key kind: what devices are provisioned with. */
  signingCerts: Record<string, { rootPem: string; intermediatePem: string; leafPem: string }>;
  pid: number;
  /** Peak resident memory of the cloud process so far (benchmarks read it). */
  maxRssBytes: number;
}

/** `<package>/certs/dev`: found from this module, so any working directory gives one chain. */
export const DEFAULT_CERTS_DIR = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const up = here.includes(`${path.sep}dist${path.sep}`) ? ['..', '..', '..'] : ['..', '..'];
  return path.resolve(here, ...up, 'certs', 'dev');
})();

export async function loadChains(dir: string): Promise<Map<KeyKind, DevChain>> {
  const kinds: KeyKind[] = ['ecdsa', 'rsa2048', 'rsa3072'];
  const chains = await Promise.all(kinds.map((k) => loadOrCreateChain(dir, k)));
  return new Map(kinds.map((k, i) => [k, chains[i]!]));
}

export async function startCloud(opts: CloudOptions = {}): Promise<Cloud> {
  const host = opts.host ?? DEFAULTS.host;
  const clock = opts.clock ?? new ScaledClock({ scale: opts.timeScale ?? 1 });
  const account = { region: opts.region ?? DEFAULTS.region,
    accountId: opts.accountId ?? DEFAULTS.accountId };
  const log = logger().child({ component: 'cloud' });
  const certsDir = opts.certsDir ?? DEFAULT_CERTS_DIR;
  const [chains, tlsId] = await Promise.all([loadChains(certsDir),
    loadServerIdentity(certsDir, host)]);
  let registry: CloudCore['registry'] | undefined;
  const certs = new CertificateRegistry({ account, now: () => clock.now(), issuer: tlsId.issuer,
    thingExists: (name) => registry?.things.has(name) ?? false });
  const gate = new ConnectionGate({ certs, isThing: (n) => registry?.things.has(n) ?? false,
    plainIsolation: opts.plainIsolation, log: logger().child({ component: 'broker' }) });
  const trusted = () => [tlsId.rootPem, tlsId.issuer.certPem,
    ...[...certs.cas.values()].map((c) => c.certificatePem)];
  const tlsListener = opts.mqttsPort === undefined ? undefined
    : { port: opts.mqttsPort, options: serverTlsOptions(tlsId, trusted) };
  const bus: CloudBus = opts.brokerUrl
    ? await ExternalBus.connect(opts.brokerUrl)
    : await EmbeddedBus.start({ host, port: opts.mqttPort ?? 0, tls: tlsListener, gate });
  const core = new CloudCore({
    clock,
    account,
    chains: (k) => chains.get(k)!,
    publish: (topic, payload) => bus.publish(topic, payload, 1),
    strictTargets: opts.strictTargets,
    warn: (m) => log.warn(m),
  });
  registry = core.registry;
  const throttle = opts.jobsRateLimit
    ? new ThingThrottle(opts.jobsRateLimit, Math.max(1, Math.ceil(opts.jobsRateLimit)),
      () => clock.now())
    : undefined;
  const mqtt = new MqttApi(bus, core.jobs, core.streams, core.objects, core.metrics,
    core.delivered, throttle);
  let info: () => CloudInfo = () => { throw new Error('not started'); };
  const extra = (r: Router) => {
    addCertRoutes(r, certs);
    r.add('GET', '/ota-sim/info', 'OtaSimInfo', () => ({ body: info() }));
    r.add('GET', '/ota-sim/jobs/{jobId}/history', 'OtaSimJobHistory', (req) => {
      return { body: jobHistory(core.jobs.getJob(req.params.jobId!),
        core.delivered.mqtt + core.delivered.http) };
    });
    r.add('GET', '/metrics', 'Metrics', async () => {
      core.refreshGauges();
      return { raw: Buffer.from(await core.metrics.registry.metrics()),
        headers: { 'Content-Type': core.metrics.registry.contentType } };
    });
  };
  const api = await startApiServer(core, { host, port: opts.apiPort ?? 0, extra,
    verifySigV4: opts.verifySigV4, s3Extra: (r) => addPresignedRoutes(r, core) });
  core.presign.endpoint = api.endpointUrl;
  const anchor = clock instanceof ScaledClock ? clock.anchor()
    : { scale: 1, anchorWall: Date.now(), anchorVirtual: clock.now() };
  info = () => ({
    endpointUrl: api.endpointUrl,
    mqttUrl: bus.mqttUrl,
    mqttsUrl: bus.mqttsUrl,
    tlsRootPem: tlsId.rootPem,
    region: account.region,
    accountId: account.accountId,
    clock: anchor,
    signingCerts: Object.fromEntries([...chains].map(([k, c]) => [k,
      { rootPem: c.rootPem, intermediatePem: c.intermediatePem, leafPem: c.leafPem }])),
    pid: process.pid,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  });
  return {
    core, bus, api, mqtt, clock,
    endpointUrl: api.endpointUrl,
    mqttUrl: bus.mqttUrl,
    mqttsUrl: bus.mqttsUrl,
    certs, gate,
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
    mqttsUrl: cloud.mqttsUrl, pid: process.pid }));
  await fs.rename(tmp, file);
}
