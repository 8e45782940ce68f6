#!/usr/bin/env node
/**
 * A minimal device program written for AWS IoT Core, with nothing from ota-sim in it: mutual
 * TLS with its own certificate, client id = thing name, jobs over MQTT, the file over an MQTT
 * stream (JSON format), an ECDSA P-256 / SHA-256 signature check, then SUCCEEDED.
 *
 * It subscribes to notify-next only and never to a reply topic: IoT Core delivers
 * `…/accepted`, `…/rejected` and stream data to the requesting connection anyway.
 *
 *   node ota-device.mjs --endpoint mqtts://HOST:8883 --thing NAME --cert thing.crt \
 *     --key thing.key --ca root-ca.pem --signer-cert codesign.crt [--out firmware.bin]
 *
 * Point it at AWS (`--endpoint mqtts://<prefix>-ats.iot.<region>.amazonaws.com:8883`, Amazon
 * Root CA 1) or at `ota-sim cloud --mqtts-port …` with the root from /ota-sim/info.
 * Exit code 0 when the update was accepted, 1 on any failure.
 */
import { createPublicKey, verify, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import mqtt from 'mqtt';

const BLOCK = 4096;
const BLOCKS_PER_REQUEST = 32; // 128 KiB, the most one GetStream answer carries
const RETRY_MS = 3000;

const USAGE = 'usage: node ota-device.mjs --endpoint mqtts://HOST:PORT --thing NAME ' +
  '--cert thing.crt --key thing.key --ca root-ca.pem --signer-cert codesign.crt [--out FILE]\n' +
  'Waits for the thing\'s next job, downloads and verifies it, reports SUCCEEDED or FAILED.\n';

function args(argv) {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const out = {};
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  for (const k of ['endpoint', 'thing', 'cert', 'key', 'ca', 'signer-cert']) {
    if (!out[k]) {
      process.stderr.write(`missing --${k}\n${USAGE}`);
      process.exit(2);
    }
  }
  return out;
}

const opt = args(process.argv.slice(2));
const thing = opt.thing;
const jobs = `$aws/things/${thing}/jobs`;
const log = (m) => process.stderr.write(`[${thing}] ${m}\n`);

const client = mqtt.connect(opt.endpoint, {
  clientId: thing,
  key: readFileSync(opt.key),
  cert: readFileSync(opt.cert),
  ca: readFileSync(opt.ca),
  rejectUnauthorized: true,
  username: '?SDK=ExampleOtaDevice&Version=1.0.0',
  clean: true,
  reconnectPeriod: 0,
});

let busy = false;
let timer;

let finished = false;

function finish(code, why) {
  // The first outcome wins: a reset while the connection closes must not overwrite it.
  if (finished) return;
  finished = true;
  log(why);
  clearTimeout(timer);
  client.end(false, () => process.exit(code));
}

client.on('error', (e) => finish(1, `connection error: ${e.message}`));
client.on('connect', () => {
  client.subscribe(`${jobs}/notify-next`, { qos: 1 }, () => {
    client.publish(`${jobs}/$next/get`, JSON.stringify({ clientToken: 'boot' }), { qos: 1 });
  });
});

client.on('message', (topic, payload) => {
  if (topic === `${jobs}/$next/get/accepted` || topic === `${jobs}/notify-next`) {
    const execution = JSON.parse(payload.toString()).execution;
    if (execution && !busy) startJob(execution);
  }
});

function startJob(execution) {
  const file = execution.jobDocument?.afr_ota?.files?.[0];
  const stream = execution.jobDocument?.afr_ota?.streamname;
  if (!file || !stream) return finish(1, `job ${execution.jobId} is not an OTA job over MQTT`);
  busy = true;
  log(`job ${execution.jobId}: ${file.filesize} bytes from stream ${stream}`);
  const total = Math.ceil(file.filesize / BLOCK);
  const image = Buffer.alloc(file.filesize);
  const have = new Set();
  const base = `$aws/things/${thing}/streams/${stream}`;

  const request = () => {
    let first = 0;
    while (have.has(first)) first++;
    const n = Math.min(BLOCKS_PER_REQUEST, total - first);
    client.publish(`${base}/get/json`,
      JSON.stringify({ c: 'dl', f: file.fileid, l: BLOCK, o: first, n }));
    clearTimeout(timer);
    timer = setTimeout(request, RETRY_MS);
  };

  client.on('message', (topic, payload) => {
    if (topic === `${base}/rejected/json`) {
      return finish(1, `stream rejected: ${payload.toString()}`);
    }
    if (topic !== `${base}/data/json`) return;
    const blk = JSON.parse(payload.toString());
    if (have.has(blk.i)) return;
    const data = Buffer.from(blk.p, 'base64');
    data.copy(image, blk.i * BLOCK);
    have.add(blk.i);
    if (have.size === total) return complete(execution, file, image);
    if (have.size % BLOCKS_PER_REQUEST === 0) request();
  });
  request();
}

function complete(execution, file, image) {
  clearTimeout(timer);
  const cert = new X509Certificate(readFileSync(opt['signer-cert']));
  const signature = Buffer.from(file['sig-sha256-ecdsa'] ?? '', 'base64');
  const ok = verify('sha256', image, { key: createPublicKey(cert.publicKey.export({
    type: 'spki', format: 'pem' })), dsaEncoding: 'der' }, signature);
  const status = ok ? 'SUCCEEDED' : 'FAILED';
  if (ok && opt.out) writeFileSync(opt.out, image);
  const update = `${jobs}/${execution.jobId}/update`;
  client.on('message', (topic) => {
    if (topic === `${update}/accepted`) finish(ok ? 0 : 1, `reported ${status}`);
    if (topic === `${update}/rejected`) finish(1, `update rejected`);
  });
  client.publish(update, JSON.stringify({ status, statusDetails: {
    reason: ok ? 'signature verified' : 'signature check failed' } }), { qos: 1 });
}
