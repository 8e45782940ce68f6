import { parentPort, workerData } from 'node:worker_threads';
import mqtt from 'mqtt';
import { BlockBitmap } from '../src/protocol/bitmap.js';
import { decodeDataBlock, encodeGetStreamRequest,
  isStreamError } from '../src/protocol/streamCodec.js';
import { streamTopic } from '../src/protocol/topics.js';

/**
 * The bare block pump: the same request/response of the same blocks as the agent (CBOR
 * GetStream with the whole bitmap, one block per request), with no agent logic around it.
 */
interface PumpTask { mqttUrl: string; names: string[]; streamId: string; fileSize: number;
  blockSize: number; perRequest: number }

const t = workerData as PumpTask;
const total = Math.ceil(t.fileSize / t.blockSize);
let done = 0;
let blocks = 0;
const clients: mqtt.MqttClient[] = [];
let connected = 0;
const starters: Array<() => void> = [];

for (const name of t.names) {
  const c = mqtt.connect(t.mqttUrl, { clientId: `pump-${name}`, clean: true, reconnectPeriod: 0 });
  clients.push(c);
  const dataTopic = streamTopic.data(name, t.streamId, 'cbor');
  const reqTopic = streamTopic.get(name, t.streamId, 'cbor');
  const bitmap = new BlockBitmap(total);
  let since = 0;
  const request = () => c.publish(reqTopic, encodeGetStreamRequest('cbor',
    { c: 'rdy', f: 0, l: t.blockSize, o: 0, b: bitmap.bytes, n: t.perRequest }), { qos: 0 });
  c.on('message', (_topic, payload) => {
    const blk = decodeDataBlock('cbor', payload);
    if (isStreamError(blk) || !bitmap.clear(blk.i)) return;
    blocks++;
    if (bitmap.remaining === 0) {
      done++;
      if (done === t.names.length) parentPort!.postMessage({ kind: 'done', blocks });
      return;
    }
    if (++since >= t.perRequest) {
      since = 0;
      request();
    }
  });
  c.on('connect', () => {
    c.subscribe(dataTopic, { qos: 0 }, () => {
      connected++;
      if (connected === t.names.length) parentPort!.postMessage({ kind: 'ready' });
    });
  });
  starters.push(request);
}

parentPort!.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'go') for (const start of starters) start();
  if (m.cmd === 'stop') for (const c of clients) c.end(true);
});
