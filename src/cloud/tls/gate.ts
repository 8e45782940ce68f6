import type { TLSSocket } from 'node:tls';
import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import type { CertificateRegistry } from '../certificates.js';

/**
 * Who a broker connection is and what it may touch, as IoT Core's default policy for things
 * has it: over TLS the identity is the thing the client certificate is attached to and the
 * client id must name it; every thing is sealed to `$aws/things/<its name>/`.
 *
 * The plain listener has no authentication. With `plainIsolation: 'thing'` (the default) a
 * plain connection whose client id names a registered thing is sealed to that thing's topics
 * just like a TLS one, which catches devices that publish into another thing's topics even in
 * quick local runs; any other client id (tools, test observers) is unrestricted.
 * `plainIsolation: 'off'` leaves plain connections unrestricted. The cloud's own publishes go
 * through the broker object, not a connection, and are never limited.
 */

export type PlainIsolation = 'thing' | 'off';

export interface Refusal {
  clientId: string;
  transport: 'tls' | 'tcp';
  stage: 'connect' | 'subscribe' | 'publish' | 'status-change';
  reason: string;
  certificateId?: string;
}

export interface GateLog {
  warn(obj: object, msg: string): void;
}

export interface GateOptions {
  certs: CertificateRegistry;
  isThing(name: string): boolean;
  plainIsolation?: PlainIsolation;
  log: GateLog;
}

interface Identity {
  transport: 'tls' | 'tcp';
  /** The thing this connection is sealed to; undefined = unrestricted. */
  thing?: string;
  certificateId?: string;
}

const NOT_AUTHORIZED = 5;

function isTls(client: Client): boolean {
  return (client.conn as Partial<TLSSocket>).encrypted === true;
}

/** Whether `topic` (a topic or a filter) lies under the thing's own reserved prefix. */
export function withinThing(topic: string, thing: string): boolean {
  const prefix = `$aws/things/${thing}/`;
  return topic.length > prefix.length && topic.startsWith(prefix);
}

export class ConnectionGate {
  private readonly ids = new WeakMap<Client, Identity>();
  private readonly byCert = new Map<string, Set<Client>>();
  /** Client ids with a live certificate-authenticated connection, and how many. */
  private readonly tlsIds = new Map<string, number>();
  private readonly listeners: Array<(r: Refusal) => void> = [];

  constructor(private readonly o: GateOptions) {
    o.certs.onStatusChange((c) => {
      if (c.status === 'ACTIVE') return;
      this.dropCertificate(c.certificateId, `certificate is ${c.status}`);
    });
  }

  onRefusal(fn: (r: Refusal) => void): void {
    this.listeners.push(fn);
  }

  private refuse(r: Refusal): void {
    this.o.log.warn({ clientId: r.clientId, transport: r.transport, stage: r.stage,
      certificateId: r.certificateId }, `refused: ${r.reason}`);
    for (const fn of this.listeners) fn(r);
  }

  /** The live connections authenticated with `certificateId`. */
  connectionsOf(certificateId: string): number {
    return this.byCert.get(certificateId)?.size ?? 0;
  }

  private dropCertificate(certificateId: string, reason: string): void {
    const clients = this.byCert.get(certificateId);
    if (!clients) return;
    this.byCert.delete(certificateId);
    for (const client of clients) {
      this.refuse({ clientId: client.id, transport: 'tls', stage: 'status-change', certificateId,
        reason: `disconnected: ${reason}` });
      client.conn.destroy();
    }
  }

  /** Call when aedes reports a client gone, so revocation does not touch stale entries. */
  forget(client: Client): void {
    const id = this.ids.get(client);
    if (id?.transport === 'tls') {
      const n = (this.tlsIds.get(client.id) ?? 1) - 1;
      if (n > 0) this.tlsIds.set(client.id, n);
      else this.tlsIds.delete(client.id);
    }
    if (id?.certificateId) {
      const set = this.byCert.get(id.certificateId);
      set?.delete(client);
      if (set?.size === 0) this.byCert.delete(id.certificateId);
    }
  }

  hooks(): Required<Pick<AedesOptions, 'authenticate' | 'authorizePublish' |
    'authorizeSubscribe'>> {
    return {
      authenticate: (client, username, password, done) => {
        const verdict = this.authenticate(client, username, password);
        if (verdict === true) return done(null, true);
        const err = new Error(verdict) as AuthenticateError;
        err.returnCode = NOT_AUTHORIZED as AuthenticateError['returnCode'];
        done(err, false);
      },
      authorizePublish: (client, packet, done) => {
        const id = client ? this.ids.get(client) : undefined;
        if (!client || !id?.thing || withinThing(packet.topic, id.thing)) return done(null);
        const reason = `publish to '${packet.topic}' outside $aws/things/${id.thing}/`;
        this.refuse({ clientId: client.id, transport: id.transport, stage: 'publish', reason,
          certificateId: id.certificateId });
        // An error here makes aedes close the connection, as IoT Core does.
        done(new Error(reason));
      },
      authorizeSubscribe: (client, sub, done) => {
        const id = this.ids.get(client);
        if (!id?.thing || withinThing(sub.topic, id.thing)) return done(null, sub);
        this.refuse({ clientId: client.id, transport: id.transport, stage: 'subscribe',
          certificateId: id.certificateId,
          reason: `subscription to '${sub.topic}' outside $aws/things/${id.thing}/` });
        // A null subscription is SUBACK failure (0x80) for this filter only.
        done(null, null);
      },
    };
  }

  /** true, or the reason for CONNACK "not authorized". */
  private authenticate(client: Client, username: string | undefined,
    password: Buffer | undefined): true | string {
    const clientId = client.id;
    if (!isTls(client)) {
      // Taking over a client id evicts its holder; a connection that proved nothing must not
      // evict one that proved a certificate (and receive its answers).
      if (this.tlsIds.has(clientId)) {
        const reason = 'the client id has a live certificate-authenticated connection';
        this.refuse({ clientId, transport: 'tcp', stage: 'connect', reason });
        return reason;
      }
      const sealed = this.o.plainIsolation !== 'off' && this.o.isThing(clientId);
      this.ids.set(client, { transport: 'tcp', thing: sealed ? clientId : undefined });
      return true;
    }
    const fail = (reason: string, certificateId?: string) => {
      this.refuse({ clientId, transport: 'tls', stage: 'connect', reason, certificateId });
      return reason;
    };
    // IoT Core takes SDK metrics in the username (`?SDK=…&Version=…`) on certificate
    // connections; a password would mean a custom authorizer, which is not simulated.
    if (password !== undefined && password.length > 0) {
      return fail('a password is not accepted on a certificate-authenticated connection');
    }
    void username;
    const peer = (client.conn as TLSSocket).getPeerCertificate?.();
    const der = peer && 'raw' in peer ? peer.raw : undefined;
    const a = this.o.certs.admit(der, clientId);
    if (!a.ok) return fail(a.reason, a.certificateId);
    this.ids.set(client, { transport: 'tls', thing: a.thingName, certificateId: a.certificateId });
    this.tlsIds.set(clientId, (this.tlsIds.get(clientId) ?? 0) + 1);
    let set = this.byCert.get(a.certificateId);
    if (!set) this.byCert.set(a.certificateId, (set = new Set()));
    set.add(client);
    return true;
  }
}
