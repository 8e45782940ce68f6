import type { ISubackPacket } from 'mqtt-packet';
import mqtt from 'mqtt';
import type { Cloud } from '../../src/cloud/cloud.js';
import type { CloudClient } from '../../src/client/cloudClient.js';
import type { Refusal } from '../../src/cloud/tls/gate.js';
import type { ThingIdentity } from '../../src/fleet/tlsIdentities.js';
import { cloudForTest } from '../helpers.js';

/** A cloud with its TLS listener, and helpers to connect as a thing. */

export async function tlsCloud(opts: Parameters<typeof cloudForTest>[0] = {}) {
  const { cloud, client } = await cloudForTest({ mqttsPort: 0, ...opts });
  const refusals: Refusal[] = [];
  cloud.gate.onRefusal((r) => refusals.push(r));
  return { cloud, client, refusals };
}

export async function createThings(client: CloudClient, names: string[]): Promise<void> {
  for (const n of names) await client.call('POST', `/things/${n}`, { body: {} });
}

export function tlsOptions(cloud: Cloud, id: { certPem: string; keyPem: string },
  clientId: string, extra: mqtt.IClientOptions = {}): mqtt.IClientOptions {
  return { clientId, key: id.keyPem, cert: id.certPem, ca: cloud.info().tlsRootPem,
    rejectUnauthorized: true, reconnectPeriod: 0, connectTimeout: 10_000, ...extra };
}

/** Connects; resolves the client or rejects with the CONNACK error (code 5 = not authorized). */
export function connectAs(cloud: Cloud, id: ThingIdentity | { certPem: string; keyPem: string },
  clientId: string, extra: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync(cloud.mqttsUrl!, tlsOptions(cloud, id, clientId, extra));
}

/** Resolves once the client's connection is closed (by the broker or itself). */
export function closed(c: mqtt.MqttClient): Promise<void> {
  return new Promise((resolve) => {
    if (!c.connected) return resolve();
    c.once('close', () => resolve());
  });
}

export function nextMessage(c: mqtt.MqttClient, topic: string): Promise<Buffer> {
  return new Promise((resolve) => {
    const on = (t: string, p: Buffer) => {
      if (t !== topic) return;
      c.off('message', on);
      resolve(p);
    };
    c.on('message', on);
  });
}

/** SUBACK return codes (128 = refused); mqtt.js's subscribeAsync rejects on any refusal. */
export function subscribeCodes(c: mqtt.MqttClient, topics: string | string[], qos: 0 | 1):
  Promise<number[]> {
  return new Promise((resolve) => {
    const on = (p: mqtt.Packet) => {
      if (p.cmd !== 'suback') return;
      c.off('packetreceive', on);
      resolve((p as ISubackPacket).granted as number[]);
    };
    c.on('packetreceive', on);
    c.subscribe(topics, { qos }, () => { /* the codes are read from the SUBACK above */ });
  });
}
