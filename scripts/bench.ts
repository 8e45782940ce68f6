import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { runDemo } from '../src/fleet/demo.js';
import { spawnCloud } from '../src/fleet/cloudProcess.js';
import { CloudClient } from '../src/client/cloudClient.js';
import type { CloudInfo } from '../src/cloud/cloud.js';
import { DEFAULTS } from '../src/protocol/defaults.js';
import { benchTls } from './bench-tls.js';

/**
 * `npm run bench`: one rollout through the full stack and, in the same run, a bare block pump
 * over the same kind of broker, with the ratio of the two. Figures go to bench/latest.json.
 * Bounded: fixed counts, and every wait has a deadline.
 */
const args = new Map(process.argv.slice(2).map((a) =>
  a.replace(/^--/, '').split('=') as [string, string]));
const things = Number(args.get('things') ?? DEFAULTS.demo.things);
const fileSize = Number(args.get('file-size') ?? DEFAULTS.demo.fileSize);
const workers = Number(args.get('workers') ?? DEFAULTS.demo.workers);
const blockSize = 1 << DEFAULTS.agent.log2BlockSize;
const blocksPerThing = Math.ceil(fileSize / blockSize);

async function rollout(tls = false) {
  const start = Date.now();
  const r = await runDemo({ things, protocol: 'MQTT', fileSize, signing: 'ecdsa-sha256',
    crypto: 'node', timeScale: 1, seed: 1, workers, timeoutSec: 600, quiet: true, tls });
  const rolloutMs = r.report.virtualDurationMs;
  const blocks = r.fleet.blocks;
  return {
    ok: r.ok,
    executions: r.report.executions,
    wallMsIncludingSetup: Date.now() - start,
    rolloutMs,
    blocks,
    blocksPerSecond: Math.round(blocks / (rolloutMs / 1000)),
    megabytesPerSecond: +((blocks * blockSize) / 1e6 / (rolloutMs / 1000)).toFixed(1),
    fleetPeakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    ...(r.tls ? { certificatesMs: r.tls.issueMs, registrationMs: r.tls.registerMs } : {}),
    cloudPeakRssMb: Math.round(r.cloudPeakRssBytes / 1e6),
  };
}

async function pump() {
  const cloud = await spawnCloud([]);
  const client = new CloudClient(cloud.endpointUrl);
  try {
    const info = await client.call<CloudInfo>('GET', '/ota-sim/info');
    await client.putObject('bench', 'fw.bin', Buffer.alloc(fileSize, 0x5a));
    await client.call('POST', '/streams/bench-pump', { body: {
      files: [{ fileId: 0, s3Location: { bucket: 'bench', key: 'fw.bin' } }],
      roleArn: 'arn:aws:iam::123456789012:role/bench',
    } });
    const here = path.dirname(fileURLToPath(import.meta.url));
    const names = Array.from({ length: things }, (_, i) => `pump-${i + 1}`);
    const shards = Array.from({ length: workers }, (_, w) =>
      names.filter((_, i) => i % workers === w));
    const pool = shards.map((s) => new Worker(path.join(here, 'pumpWorker.js'), { workerData: {
      mqttUrl: info.mqttUrl, names: s, streamId: 'bench-pump', fileSize, blockSize, perRequest: 1,
    } }));
    const wait = (kind: string) =>
      Promise.all(pool.map((w) => new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`pump: no '${kind}' within 300 s`)),
          300_000);
        w.on('message', (m: { kind: string; blocks?: number }) => {
          if (m.kind === kind) {
            clearTimeout(timer);
            resolve(m.blocks ?? 0);
          }
        });
      })));
    await wait('ready');
    const t0 = Date.now();
    const finished = wait('done');
    for (const w of pool) w.postMessage({ cmd: 'go' });
    const counts = await finished;
    const pumpMs = Date.now() - t0;
    for (const w of pool) w.postMessage({ cmd: 'stop' });
    await new Promise((r) => setTimeout(r, 200));
    await Promise.all(pool.map((w) => w.terminate()));
    const blocks = counts.reduce((a, b) => a + b, 0);
    const after = await client.call<CloudInfo>('GET', '/ota-sim/info');
    return { pumpMs, blocks, blocksPerSecond: Math.round(blocks / (pumpMs / 1000)),
      cloudPeakRssMb: Math.round(after.maxRssBytes / 1e6) };
  } finally {
    await client.close();
    await cloud.stop();
  }
}

const r = await rollout();
const p = await pump();
// TLS from the same run: handshakes alone, then the same rollout with a certificate per thing.
const tlsHandshakes = await benchTls({ things });
const rTls = await rollout(true);
const result = {
  date: new Date().toISOString(),
  node: process.version,
  things,
  imageBytes: fileSize,
  blockSize,
  blocksPerThing,
  protocol: 'MQTT',
  rollout: r,
  pump: p,
  ratioRolloutToPump: +(r.rolloutMs / p.pumpMs).toFixed(2),
  tls: {
    handshakes: tlsHandshakes,
    rolloutMs: rTls.rolloutMs,
    wallMsIncludingSetup: rTls.wallMsIncludingSetup,
    executions: rTls.executions,
    certificatesMs: rTls.certificatesMs,
    registrationMs: rTls.registrationMs,
    rolloutPlainMs: r.rolloutMs,
    ratioTlsToPlain: +(rTls.rolloutMs / r.rolloutMs).toFixed(2),
  },
};
await fs.mkdir('bench', { recursive: true });
await fs.writeFile(path.join('bench', 'latest.json'), JSON.stringify(result, null, 2) + '\n');
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
if (!r.ok || !rTls.ok) process.exitCode = 1;
