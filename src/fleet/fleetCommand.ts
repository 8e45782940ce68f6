import { DEFAULTS } from '../protocol/defaults.js';
import fs from 'node:fs/promises';
import { ScaledClock } from '../clock.js';
import { CloudClient } from '../client/cloudClient.js';
import { SimError } from '../protocol/errors.js';
import { defaultThingConfig, type ThingConfig } from '../device/config.js';
import type { CloudInfo } from '../cloud/cloud.js';
import { readJsonFile } from '../cli/jsonInput.js';
import { Fleet } from './coordinator.js';
import { buildReport, type JobHistory } from './report.js';
import { registerThings } from './stage.js';
import { tlsThingOverrides } from './tlsIdentities.js';
import { assignBehaviours, parseMix } from './mix.js';
import { progressLine, ProgressPrinter } from './progressView.js';
import { signingFor, type SigningName } from '../device/signing.js';
import type { DeviceProfile, ThingSpec } from './protocol.js';

/** `ota-sim fleet`: things against an already running cloud, until done or idle. */

export interface FleetCommandOptions {
  endpointUrl: string;
  things?: number;
  fleetFile?: string;
  group?: string;
  prefix: string;
  workers: number;
  shard?: string;
  report?: string;
  until: 'done' | 'idle';
  idleSeconds: number;
  mix?: string;
  seed: number;
  signing: SigningName;
  crypto: 'node' | 'noble';
  protocol: 'MQTT' | 'HTTP' | 'both';
  subscribeReplies: boolean;
  timeoutSec: number;
  /** No progress line and no summary (for callers that read the report). */
  quiet?: boolean;
  /** A certificate per thing, connecting to the cloud's mutual-TLS port. */
  tls?: boolean;
}

interface FleetFile {
  things?: number | string[];
  prefix?: string;
  group?: string;
  mix?: string;
  device?: Partial<ThingConfig>;
}

export function parseShard(s: string | undefined): { index: number; count: number } {
  if (!s) return { index: 0, count: 1 };
  const m = /^(\d+)\/(\d+)$/.exec(s);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new SimError('OTASIM_BAD_OPTION', `--shard '${s}' must be i/n with 1 <= i <= n`);
  }
  return { index: index - 1, count };
}

export function thingNames(total: number | string[], prefix: string, shard: { index: number;
  count: number }): string[] {
  const all = Array.isArray(total) ? total
    : Array.from({ length: total }, (_, i) => `${prefix}${String(i + 1).padStart(5, '0')}`);
  return all.filter((_, i) => i % shard.count === shard.index);
}

export async function runFleetCommand(o: FleetCommandOptions): Promise<boolean> {
  const file: FleetFile = o.fleetFile ? (await readJsonFile(o.fleetFile)) as FleetFile : {};
  const total = o.things ?? file.things;
  if (total === undefined) {
    throw new SimError('OTASIM_BAD_OPTION', 'give --things N or --fleet FILE');
  }
  const validList = Array.isArray(total) && total.length > 0 &&
    total.every((t) => typeof t === 'string');
  if (!validList && !(typeof total === 'number' && Number.isInteger(total) && total >= 1)) {
    throw new SimError('OTASIM_BAD_JSON', `${o.fleetFile}: "things" must be a whole number >= 1 ` +
      `or a non-empty list of thing names, got ${JSON.stringify(total)}`);
  }
  const names = thingNames(total, file.prefix ?? o.prefix, parseShard(o.shard));
  const client = new CloudClient(o.endpointUrl);
  const info = await client.call<CloudInfo>('GET', '/ota-sim/info');
  const group = o.group ?? file.group;
  await registerThings(client, group, names);
  const signing = signingFor(o.signing);
  const certs = info.signingCerts[signing.keyKind]!;
  const base = defaultThingConfig('template', info.mqttUrl, {
    signatureKey: signing.signatureKey,
    certStore: { [DEFAULTS.fleet.certPath]: certs.leafPem },
    trustedRootsPem: [certs.rootPem],
    intermediatesPem: [certs.intermediatePem],
    crypto: o.crypto,
    enabledProtocols: o.protocol === 'both' ? ['MQTT', 'HTTP'] : [o.protocol],
    primaryProtocol: o.protocol === 'HTTP' ? 'HTTP' : 'MQTT',
    subscribeReplies: o.subscribeReplies,
    ...file.device,
  });
  const { thingName: _n, behaviour: _b, faults: _f, ...profile } = base;
  const behaviours = assignBehaviours(names.length, parseMix(o.mix ?? file.mix), o.seed);
  const tls = o.tls ? await tlsThingOverrides(client, names, info) : undefined;
  const specs: ThingSpec[] = names.map((name, i) => ({ name, behaviour: behaviours[i]!,
    overrides: tls?.overrides.get(name) }));
  const started = Date.now();
  const virtualStart = new ScaledClock(info.clock).now();
  const clock = new ScaledClock(info.clock);
  const fleet = new Fleet({ clock: info.clock, profile: profile as DeviceProfile, things: specs,
    workers: o.workers });
  const printer = new ProgressPrinter(process.stderr);
  const timeline: Array<{ t: number; counts: Record<string, number> }> = [];
  let lastChange = Date.now();
  let lastKey = '';
  const deadline = Date.now() + o.timeoutSec * 1000;
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const p = fleet.progress();
    const key = `${p.blocks}:${JSON.stringify(p.outcomes)}:` +
      `${p.phases.rebooting}:${p.phases['self-test']}`;
    if (key !== lastKey) {
      lastKey = key;
      lastChange = Date.now();
      timeline.push({ t: clock.now() - virtualStart, counts: { ...p.outcomes } });
    }
    const line = () => progressLine(p, Date.now() - started, clock.now() - virtualStart,
      p.outcomes);
    if (!o.quiet) printer.update(line());
    const settled = (p.phases.downloading ?? 0) + (p.phases.rebooting ?? 0) +
      (p.phases['self-test'] ?? 0) + (p.phases.verifying ?? 0) === 0;
    const outcomes = Object.values(p.outcomes).reduce((s, n) => s + n, 0);
    if (o.until === 'done' && settled && outcomes + p.dropped >= names.length) break;
    if (o.until === 'idle' && settled && Date.now() - lastChange > o.idleSeconds * 1000) break;
    if (Date.now() > deadline) break;
  }
  const result = await fleet.stop();
  if (!o.quiet) {
    printer.done(progressLine(result, Date.now() - started, clock.now() - virtualStart,
      result.outcomes));
  }
  const failures = result.results.filter((r) => r.outcome && r.outcome.status !== 'SUCCEEDED')
    .map((r) => ({ thing: r.thing, status: r.outcome!.status, reason: r.outcome!.reason }));
  const fleetPart = { workers: o.workers, shard: o.shard ?? '1/1', blocks: result.blocks,
    requests: result.requests, duplicates: result.duplicates, dropped: result.dropped };
  // One job reached the fleet (the usual case): the report is the demo's, seen from this shard.
  const jobIds = [...new Set(result.results.flatMap((r) => r.jobId ? [r.jobId] : []))];
  // A job deleted meanwhile has no history left: the fleet's own view is all there is.
  const history = jobIds.length === 1 ? await client.call<JobHistory>('GET',
    `/ota-sim/jobs/${jobIds[0]}/history`).catch(() => undefined) : undefined;
  const report: Record<string, unknown> = history
    ? { ...buildReport({
      otaUpdateId: jobIds[0]!.replace(/^AFR_OTA-/, ''), things: names.length, history,
      durationMs: Date.now() - started, virtualEnd: clock.now(), fleet: fleetPart,
    }), fleetExecutions: result.outcomes, fleetFailures: failures }
    : {
      things: names.length, jobs: jobIds, executions: result.outcomes, failures,
      durationMs: Date.now() - started,
      virtualDurationMs: Math.round(clock.now() - virtualStart),
      bytesDelivered: result.bytes, timeline, fleet: fleetPart,
    };
  await client.close();
  if (o.report) await fs.writeFile(o.report, JSON.stringify(report, null, 2) + '\n');
  const succeeded = result.outcomes.SUCCEEDED ?? 0;
  if (!o.quiet) {
    process.stdout.write(JSON.stringify({ things: names.length,
      executions: result.outcomes }) + '\n');
  }
  return succeeded === names.length;
}
