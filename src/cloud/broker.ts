import net from 'node:net';
import tls from 'node:tls';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import mqtt from 'mqtt';
import { jobsTopic, streamTopic } from '../protocol/topics.js';
import { logger } from '../log.js';
import type { ConnectionGate } from './tls/gate.js';

/**
 * The cloud's view of MQTT: requests in, answers out. Two implementations: the embedded aedes
 * broker (answers go straight to the requesting connection, subscribed or not, §3.1) and an
 * external broker reached as an ordinary client (devices must subscribe to their reply topics).
 */
export interface CloudBus {
  readonly mqttUrl: string;
  /** The mutual-TLS listener (`mqtts://…`), when there is one. */
  readonly mqttsUrl?: string;
  onRequest(handler: (topic: string, payload: Buffer, clientId: string | undefined) => void): void;
  /** An answer to one requester (`…/accepted`, stream data): never seen by other clients. */
  reply(clientId: string | undefined, topic: string, payload: Buffer | string): void;
  /** A broker-wide publish to subscribers (notify, notify-next). */
  publish(topic: string, payload: Buffer | string, qos: 0 | 1): void;
  connectedClients(): number;
  close(): Promise<void>;
}

const noop = () => {};

/** Device request topics the cloud answers (never its own answers). */
function isRequestTopic(topic: string): boolean {
  return topic.startsWith('$aws/things/') && (topic.includes('/jobs/') ||
    topic.endsWith('/jobs') || topic.includes('/streams/'));
}

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  aedesOptions?: Record<string, unknown>;
  /** A second listener speaking MQTT over TLS (src/cloud/tls/serverIdentity.ts options). */
  tls?: { port: number; options: tls.TlsOptions };
  /** Identity and topic isolation hooks (src/cloud/tls/gate.ts). */
  gate?: ConnectionGate;
}

function listen(server: net.Server, port: number, host: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address() as net.AddressInfo;
      resolve(`${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`);
    });
  });
}

export class EmbeddedBus implements CloudBus {
  mqttUrl = '';
  mqttsUrl?: string;
  private tlsServer?: tls.Server;
  private handler: (topic: string, payload: Buffer, clientId: string | undefined) => void = noop;

  private constructor(readonly aedes: Aedes, readonly server: net.Server) {}

  static async start(opts: EmbeddedBrokerOptions): Promise<EmbeddedBus> {
    const aedes = await Aedes.createBroker({ ...opts.gate?.hooks(), ...opts.aedesOptions });
    const server = net.createServer(aedes.handle);
    const bus = new EmbeddedBus(aedes, server);
    aedes.on('publish', (packet: PublishPacket, client: Client | null) => {
      if (client && isRequestTopic(packet.topic)) {
        bus.handler(packet.topic, packet.payload as Buffer, client.id);
      }
    });
    if (opts.gate) {
      const gate = opts.gate;
      aedes.on('clientDisconnect', (c: Client) => gate.forget(c));
    }
    bus.mqttUrl = `mqtt://${await listen(server, opts.port, opts.host)}`;
    if (opts.tls) {
      // 'secureConnection' hands aedes the socket only after a completed handshake.
      const tlsServer = tls.createServer(opts.tls.options, aedes.handle);
      // A failed handshake (no shared version, bad certificate) harms nobody else: log it.
      tlsServer.on('tlsClientError', (err: Error & { code?: string }, socket: tls.TLSSocket) => {
        // A peer that hangs up mid-handshake is not a refusal worth a warning.
        const level = err.code === 'ECONNRESET' ? 'debug' : 'warn';
        logger().child({ component: 'broker' })[level]({ remote: socket.remoteAddress,
          code: err.code }, `refused: TLS handshake failed: ${err.message}`);
      });
      bus.tlsServer = tlsServer;
      bus.mqttsUrl = `mqtts://${await listen(tlsServer, opts.tls.port, opts.host)}`;
    }
    return bus;
  }

  onRequest(handler: (topic: string, payload: Buffer, clientId: string | undefined) => void): void {
    this.handler = handler;
  }

  reply(clientId: string | undefined, topic: string, payload: Buffer | string): void {
    const client = clientId ? (this.aedes as unknown as { clients: Record<string, AedesClient> })
      .clients[clientId] : undefined;
    const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
    if (client && !client.closed) {
      client.deliver0({ cmd: 'publish', topic, payload: body, qos: 0,
        retain: false, dup: false }, noop);
    }
  }

  publish(topic: string, payload: Buffer | string, qos: 0 | 1): void {
    const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
    this.aedes.publish({ cmd: 'publish', topic, payload: body, qos,
      retain: false, dup: false }, noop);
  }

  connectedClients(): number {
    return this.aedes.connectedClients;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    const servers: net.Server[] = [this.server, ...(this.tlsServer ? [this.tlsServer] : [])];
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Connections still open would keep close() waiting.
      (server as net.Server & { closeAllConnections?: () => void }).closeAllConnections?.();
    })));
  }
}

interface AedesClient {
  closed: boolean;
  deliver0(packet: Record<string, unknown>, cb: () => void): void;
}

/** The cloud as a client of someone else's broker (Mosquitto, EMQX, …). */
export class ExternalBus implements CloudBus {
  private handler: (topic: string, payload: Buffer, clientId: string | undefined) => void = noop;

  private constructor(readonly mqttUrl: string, private readonly client: mqtt.MqttClient) {}

  static async connect(url: string,
    clientId = `ota-sim-cloud-${process.pid}`): Promise<ExternalBus> {
    const client = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 1000, clean: true });
    const bus = new ExternalBus(url, client);
    client.on('message', (topic, payload) => bus.handler(topic, payload, undefined));
    await client.subscribeAsync([
      jobsTopic.get('+'), jobsTopic.startNext('+'), jobsTopic.describe('+', '+'),
      jobsTopic.update('+', '+'), streamTopic.get('+', '+', '+'),
      streamTopic.describe('+', '+', '+'),
    ], { qos: 1 });
    return bus;
  }

  onRequest(handler: (topic: string, payload: Buffer, clientId: string | undefined) => void): void {
    this.handler = handler;
  }

  reply(_clientId: string | undefined, topic: string, payload: Buffer | string): void {
    this.client.publish(topic, payload, { qos: 0 });
  }

  publish(topic: string, payload: Buffer | string, qos: 0 | 1): void {
    this.client.publish(topic, payload, { qos });
  }

  connectedClients(): number {
    return -1;
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
