/**
 * Writes fixtures/preload-example.json: the world the AWS CLI create-ota-update example
 * refers to (things device1..device4, stream 004 with file id 123, signing job 48c67f3c-…),
 * with an ECDSA signature made by the dev chain in certs/dev/ecdsa. Run after tsc:
 *   node dist/scripts/makePreloadFixture.js
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadOrCreateChain, signData } from '../src/pki/index.js';
import { withVersionHeader } from '../src/device/image.js';
import { packVersion } from '../src/protocol/agentStatus.js';
import type { PreloadDoc } from '../src/cloud/preload.js';

const BUCKET = 'ota-sim-fixtures';
const KEY = 'firmware.bin';

// A fixed pseudo-random image so the fixture is the same every time it is regenerated.
function image(size: number): Buffer {
  const body = Buffer.alloc(size - 12);
  let x = 20_240_601;
  for (let i = 0; i < body.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    body[i] = x >>> 24;
  }
  return withVersionHeader(packVersion(1, 0, 1), body);
}

const chain = await loadOrCreateChain(path.resolve('certs', 'dev'), 'ecdsa');
const fw = image(8192);
const doc: PreloadDoc = {
  things: ['device1', 'device2', 'device3', 'device4'].map((thingName) => ({ thingName })),
  objects: [{ bucket: BUCKET, key: KEY, contentBase64: fw.toString('base64'),
    contentType: 'application/octet-stream' }],
  streams: [{
    streamId: '004',
    description: 'Firmware stream used by the create-ota-update example',
    roleArn: 'arn:aws:iam::123456789012:role/service-role/my_ota_role',
    files: [{ fileId: 123, s3Location: { bucket: BUCKET, key: KEY } }],
  }],
  signingJobs: [{
    jobId: '48c67f3c-63bb-4f92-a98a-4ee0fbc2bef6',
    profileName: 'ota_sim_example',
    platformId: 'AmazonFreeRTOS-Default',
    certname: '/certs/codesign.crt',
    source: { bucket: BUCKET, key: KEY },
    signature: signData('sha256-ecdsa', fw, chain.leafKeyPem).toString('base64'),
  }],
};
fs.writeFileSync(path.resolve('fixtures', 'preload-example.json'),
  `${JSON.stringify(doc, null, 2)}\n`);
