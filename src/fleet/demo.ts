import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ScaledClock, type ClockAnchor } from '../clock.js';
import { CloudClient } from '../client/cloudClient.js';
import { SimError } from '../protocol/errors.js';
import { DEFAULTS } from '../protocol/defaults.js';
import { packVersion } from '../protocol/agentStatus.js';
import { defaultThingConfig } from '../device/config.js';
import { withVersionHeader } from '../device/image.js';
import type { CloudInfo } from '../cloud/cloud.js';
import { Fleet, type FleetResult } from './coordinator.js';
import { spawnCloud } from './cloudProcess.js';
import { registerThings, uploadAndSign } from './stage.js';
import { tlsThingOverrides } from './tlsIdentities.js';
import { assignBehaviours, expectedStatus, parseMix, seededRandom } from './mix.js';
import { buildReport, type JobHistory, type RunReport } from './report.js';
import { clockText, describeRate, renderReportHtml } from './reportHtml.js';
import { progressLine, ProgressPrinter } from './progressView.js';
import type { DeviceProfile, ThingSpec } from './protocol.js';
import { readJsonFile } from '../cli/jsonInput.js';
import { signingCertificateArn, signingFor, type SigningName } from '../device/signing.js';

/** `ota-sim demo`: the main job, from an empty cloud to a finished, reported rollout. */

export { SIGNING_NAMES, type SigningName } from '../device/signing.js';

export interface DemoOptions {
  things: number;
  protocol: 'MQTT' | 'HTTP' | 'both';
  fileSize: number;
  signing: SigningName;
  crypto: 'node' | 'noble';
  timeScale: number;
  otaUpdateFile?: string;
  mix?: string;
  report?: string;
  seed: number;
  workers: number;
  timeoutSec: number;
  blocksPerRequest?: number;
  brokerUrl?: string;
  /** Every thing gets its own certificate and connects to the cloud's mutual-TLS port. */
  tls?: boolean;
  quiet?: boolean;
  out?: NodeJS.WriteStream;
}

export interface DemoResult {
  ok: boolean;
  report: RunReport;
  fleet: FleetResult;
  createOutput: Record<string, unknown>;
  cloudInfo: CloudInfo;
  cloudPeakRssBytes: number;
  /** With --tls: wall ms to make the thing certificates and to register and attach them. */
  tls?: { issueMs: number; registerMs: number };
}

const CERT_PATH = DEFAULTS.fleet.certPath;
const NEW_VERSION = packVersion(1, 0, 1);

/** A seeded pseudo-random image: as incompressible as firmware, identical across replays. */
export function demoFirmware(size: number, seed: number): Buffer {
  const rnd = seededRandom(seed);
  const body = Buffer.alloc(Math.max(0, size - 12));
  for (let i = 0; i < body.length; i += 4) {
    const v = Math.floor(rnd() * 0x100000000);
    for (let k = 0; k < 4 && i + k < body.length; k++) body[i + k] = (v >>> (8 * k)) & 0xff;
  }
  return withVersionHeader(NEW_VERSION, body);
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const out = o.out ?? process.stdout;
  const say = (s: string) => { if (!o.quiet) out.write(`${s}\n`); };
  const started = Date.now();
  // Everything the user gave is checked before a process starts: bad input costs nothing.
  if (o.tls && o.brokerUrl) {
    throw new SimError('OTASIM_BAD_OPTION', '--tls needs the embedded broker, not --broker-url');
  }
  const mix = parseMix(o.mix);
  const template = await readJsonFile(o.otaUpdateFile ?? DEMO_FIXTURE);
  const cloudArgs = ['--time-scale', String(o.timeScale)];
  if (o.brokerUrl) cloudArgs.push('--broker-url', o.brokerUrl);
  if (o.tls) cloudArgs.push('--mqtts-port', '0');
  const cloudProc = await spawnCloud(cloudArgs);
  let fleet: Fleet | undefined;
  const client = new CloudClient(cloudProc.endpointUrl);
  try {
    const info = await client.call<CloudInfo>('GET', '/ota-sim/info');
    say(`cloud: REST ${info.endpointUrl}, MQTT ${info.mqttUrl}, time scale ${info.clock.scale}`);
    const group = DEFAULTS.demo.group;
    const names = Array.from({ length: o.things }, (_, i) =>
      `${DEFAULTS.fleet.thingPrefix}${String(i + 1).padStart(5, '0')}`);
    await registerThings(client, group, names);
    say(`registry: ${o.things} things in thing group ${group}`);
    const tls = o.tls ? await tlsThingOverrides(client, names, info) : undefined;
    if (tls) {
      say(`tls: ${o.things} certificates made in ${tls.issueMs} ms, registered and attached in ` +
        `${tls.registerMs} ms; things connect to ${info.mqttsUrl}`);
    }

    const signing = signingFor(o.signing);
    const image = demoFirmware(o.fileSize, o.seed);
    const signed = await uploadAndSign(client, {
      bucket: 'ota-sim-firmware', key: 'firmware.bin', image, platformId: signing.platformId,
      certname: CERT_PATH, profileName: 'ota_sim_demo',
      certificateArn: signingCertificateArn(signing, info.region, info.accountId),
    });
    say(`signer: ${image.length} byte image signed (${signing.platformId}), ` +
      `job ${signed.signingJobId}`);

    const certs = info.signingCerts[signing.keyKind]!;
    const base = defaultThingConfig('template', info.mqttUrl, {
      signatureKey: signing.signatureKey,
      certStore: { [CERT_PATH]: certs.leafPem },
      trustedRootsPem: [certs.rootPem],
      intermediatesPem: [certs.intermediatePem],
      crypto: o.crypto,
      enabledProtocols: o.protocol === 'both' ? ['MQTT', 'HTTP'] : [o.protocol],
      primaryProtocol: o.protocol === 'HTTP' ? 'HTTP' : 'MQTT',
      subscribeReplies: !!o.brokerUrl,
      ...(o.blocksPerRequest ? { maxBlocksPerRequest: o.blocksPerRequest } : {}),
    });
    const { thingName: _n, behaviour: _b, faults: _f, ...profile } = base;
    const behaviours = assignBehaviours(o.things, mix, o.seed);
    const specs: ThingSpec[] = names.map((name, i) => ({ name, behaviour: behaviours[i]!,
      overrides: tls?.overrides.get(name) }));
    fleet = new Fleet({ clock: info.clock, profile: profile as DeviceProfile, things: specs,
      workers: o.workers });
    await waitOnline(fleet, o.things, 120_000);
    say(`fleet: ${o.things} things online in ${o.workers} worker ` +
      `thread${o.workers === 1 ? '' : 's'}`);

    const input = demoInput(o, template, info, signed);
    const createOutput = await client.call('POST', `/otaUpdates/${input.otaUpdateId}`,
      { body: input, operation: 'CreateOTAUpdate' });
    say(JSON.stringify(createOutput, null, 4));
    const jobId = `AFR_OTA-${String(input.otaUpdateId)}`;
    await waitForJob(client, jobId, String(input.otaUpdateId));

    const clock = new ScaledClock(info.clock);
    const printer = new ProgressPrinter(out);
    const deadline = Date.now() + o.timeoutSec * 1000;
    // Stalled things never finish unless a timeout ends them; without one, stop waiting for them.
    const hasTimeout = !!(input.awsJobTimeoutConfig as { inProgressTimeoutInMinutes?: number }
      | undefined)?.inProgressTimeoutInMinutes;
    const stuck = hasTimeout ? 0 : specs.filter((s) => s.behaviour === 'stall').length;
    let status = 'IN_PROGRESS';
    let counts: Record<string, number> = {};
    let settled = false;
    while (!settled && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      const d = await client.call<{ job: { status: string; jobProcessDetails: JobProcessDetails;
        targetSelection: string } }>('GET', `/jobs/${jobId}`);
      status = d.job.status;
      counts = execCounts(d.job.jobProcessDetails);
      settled = isSettled(status, d.job.jobProcessDetails, stuck);
      if (!o.quiet) printer.update(progressLine(fleet.progress(), Date.now() - started,
        clock.now() - info.clock.anchorVirtual, counts));
    }
    if (!o.quiet) printer.done(progressLine(fleet.progress(), Date.now() - started,
      clock.now() - info.clock.anchorVirtual, counts));
    const history = await client.call<JobHistory>('GET', `/ota-sim/jobs/${jobId}/history`);
    const cloudEnd = await client.call<CloudInfo>('GET', '/ota-sim/info');
    const fleetResult = await fleet.stop();
    fleet = undefined;
    const report = buildReport({
      otaUpdateId: String(input.otaUpdateId), things: o.things, history,
      durationMs: Date.now() - started, virtualEnd: clock.now(),
      fleet: { workers: o.workers, blocks: fleetResult.blocks, requests: fleetResult.requests,
        duplicates: fleetResult.duplicates, protocol: o.protocol, signing: o.signing,
        crypto: o.crypto, timeScale: o.timeScale, mix: o.mix ?? null, seed: o.seed },
    });
    const expected = new Map(specs.map((s) => [s.name, expectedStatus(s.behaviour)]));
    const unexpected = history.executions.filter((e) =>
      !expected.get(e.thing)?.includes(e.status));
    // An aborted or canceled rollout did not deliver the update: the demo says so in its exit.
    const ok = settled && status !== 'CANCELED' && unexpected.length === 0 &&
      history.executions.length === o.things;
    const files = o.report ? await writeReport(o.report, report) : undefined;
    say(summary(report, unexpected.length, !settled, files));
    return { ok, report, fleet: fleetResult, createOutput, cloudInfo: info,
      cloudPeakRssBytes: cloudEnd.maxRssBytes,
      ...(tls ? { tls: { issueMs: tls.issueMs, registerMs: tls.registerMs } } : {}) };
  } finally {
    if (fleet) await fleet.stop().catch(() => undefined);
    await client.close();
    await cloudProc.stop();
  }
}

const DEMO_FIXTURE = fileURLToPath(new URL(
  import.meta.url.endsWith('.ts') ? '../../fixtures/demo-ota-update.json'
    : '../../../fixtures/demo-ota-update.json', import.meta.url));

function demoInput(o: DemoOptions, template: Record<string, unknown>, info: CloudInfo,
  signed: { bucket: string; key: string; signingJobId: string }): Record<string, unknown> {
  const input = structuredClone(template);
  input.protocols ??= o.protocol === 'both' ? ['MQTT', 'HTTP'] : [o.protocol];
  input.targets ??=
    [`arn:aws:iot:${info.region}:${info.accountId}:thinggroup/${DEFAULTS.demo.group}`];
  input.files ??= [{
    fileName: 'firmware.bin',
    fileLocation: { s3Location: { bucket: signed.bucket, key: signed.key } },
    codeSigning: { awsSignerJobId: signed.signingJobId },
  }];
  input.otaUpdateId ??= 'ota-sim-demo';
  return input;
}

async function waitOnline(fleet: Fleet, n: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (fleet.progress().connected < n) {
    if (Date.now() > end) {
      throw new SimError('OTASIM_TIMEOUT', `only ${fleet.progress().connected} of ${n} things ` +
        `connected within ${ms / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitForJob(client: CloudClient, jobId: string, otaUpdateId: string): Promise<void> {
  const end = Date.now() + 60_000;
  for (;;) {
    const u = await client.call<{ otaUpdateInfo: { otaUpdateStatus: string;
      errorInfo?: unknown } }>('GET', `/otaUpdates/${otaUpdateId}`);
    const s = u.otaUpdateInfo.otaUpdateStatus;
    if (s === 'CREATE_COMPLETE') return;
    if (s === 'CREATE_FAILED') {
      throw new SimError('OTASIM_FLEET', `OTA update ${otaUpdateId} failed: ` +
        JSON.stringify(u.otaUpdateInfo.errorInfo));
    }
    if (Date.now() > end) {
      throw new SimError('OTASIM_TIMEOUT', `job ${jobId} was not created in 60 s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** DescribeJob's jobProcessDetails: numberOf*Things counts and processingTargets. */
export interface JobProcessDetails {
  processingTargets?: string[];
  [count: string]: number | string[] | undefined;
}

function execCounts(d: JobProcessDetails): Record<string, number> {
  const map: Record<string, string> = {
    numberOfQueuedThings: 'QUEUED', numberOfInProgressThings: 'IN_PROGRESS',
    numberOfSucceededThings: 'SUCCEEDED', numberOfFailedThings: 'FAILED',
    numberOfRejectedThings: 'REJECTED', numberOfTimedOutThings: 'TIMED_OUT',
    numberOfCanceledThings: 'CANCELED', numberOfRemovedThings: 'REMOVED',
  };
  return Object.fromEntries(Object.entries(map).map(([k, v]) => {
    const n = d[k];
    return [v, typeof n === 'number' ? n : 0];
  }));
}

/**
 * The rollout has nothing more to do: nobody waits for the rate, and every execution still
 * pending belongs to a stalled thing that nothing will end (`stuck`). An aborted or canceled
 * job is settled only once its IN_PROGRESS executions finished, so final statuses are final.
 */
export function isSettled(status: string, d: JobProcessDetails, stuck: number): boolean {
  const waiting = status === 'IN_PROGRESS' && (d.processingTargets?.length ?? 0) > 0;
  const c = execCounts(d);
  return !waiting && (c.QUEUED ?? 0) + (c.IN_PROGRESS ?? 0) <= stuck;
}

/** Where the page goes: run.json -> run.html, anything else gets .html appended. */
export function htmlPathFor(file: string): string {
  return /\.json$/i.test(file) ? file.replace(/\.json$/i, '.html') : `${file}.html`;
}

/** Writes the JSON report and its HTML page beside it; returns both paths. */
export async function writeReport(file: string, report: RunReport): Promise<string[]> {
  const html = htmlPathFor(file);
  await fs.writeFile(file, JSON.stringify(report, null, 2) + '\n');
  await fs.writeFile(html, renderReportHtml(report));
  return [file, html];
}

export function summary(r: RunReport, unexpected: number, timedOut: boolean,
  files?: string[]): string {
  const ex = Object.entries(r.executions).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  const lines = [
    '',
    `Summary of ${r.otaUpdateId} (job ${r.jobId}): job ${r.jobStatus}` +
      (timedOut ? ' (the demo stopped waiting: --timeout reached)' : ''),
    `  executions      ${ex} (of ${r.things} things)`,
    `  time            ${(r.durationMs / 1000).toFixed(1)} s wall for the whole demo, ` +
      `${(r.virtualDurationMs / 1000).toFixed(1)} s virtual from job creation to its end`,
    `  delivered       ${(r.bytesDelivered / 1e6).toFixed(1)} MB ` +
      '(MQTT stream messages and HTTP bodies)',
    `  rollout         ${describeRate(r.rollout.configured.rollout)}`,
    `  per minute      ${r.rollout.perMinute.join(' ') || 'none'} (notified in each virtual ` +
      'minute)',
  ];
  const a = r.rollout.abort;
  if (a) {
    lines.push(`  aborted         at ${clockText(a.atMs)} virtual (minute ${a.minute}): ` +
      `${a.comment}`);
  }
  if (r.rollout.notNotified > 0) {
    lines.push(`  never notified  ${r.rollout.notNotified} things`);
  }
  if (unexpected > 0) {
    lines.push(`  unexpected      ${unexpected} executions did not end as expected`);
  }
  if (files) lines.push(`  report          ${files.join(' and ')}`);
  for (const f of r.failures.slice(0, 5)) {
    lines.push(`  ${f.thing.padEnd(15)} ${f.status} ${f.reason ?? ''}`);
  }
  if (r.failures.length > 5) lines.push(`  … and ${r.failures.length - 5} more in the report`);
  return lines.join('\n');
}
