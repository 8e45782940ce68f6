import type { IClientOptions } from 'mqtt';
import { DEFAULTS } from '../protocol/defaults.js';

/** One simulated thing's configuration: the FreeRTOS build options it would be compiled with. */

export type DataProtocol = 'MQTT' | 'HTTP';

/** What the thing's application does (the fleet's `--mix`). */
export type Behaviour = 'ok' | 'fail-self-test' | 'reject' | 'stall';

export interface DeviceFaults {
  /** Flip one byte of this block as it is written (a corrupt image in transit). */
  corruptBlock?: number;
  /** Drop the connection once this many blocks were received (resume test). */
  disconnectAtBlock?: number;
  /** URL-decode `update_data_url` before using it, as a buggy client would (case C28). */
  decodeUrl?: boolean;
  /** Test hook, called before each block request with the lowest block still missing. */
  onBlockRequest?: (index: number) => void;
}

export interface ThingConfig {
  thingName: string;
  mqttUrl: string;
  /** Running firmware version (AppVersion32 packing, §5.9). */
  firmwareVersion: number;
  log2BlockSize: number;
  maxBitmapBytes: number;
  maxBlocksPerRequest: number;
  momentum: number;
  requestWaitMs: number;
  selfTestWaitMs: number;
  statusFrequency: number;
  maxSignatureBytes: number;
  bootDelayMs: number;
  /** The one job-document signature key this platform reads, e.g. `sig-sha256-ecdsa`. */
  signatureKey: string;
  /** Files on the device's storage: `certfile` paths → PEM text. */
  certStore: Record<string, string>;
  /** A compiled-in signer certificate used when `certfile` cannot be read (C13). */
  fallbackCertPem?: string;
  trustedRootsPem: string[];
  intermediatesPem: string[];
  crypto: 'node' | 'noble';
  strictX509: boolean;
  enabledProtocols: DataProtocol[];
  primaryProtocol: DataProtocol;
  /** Whether the bootloader marks a new image PendingCommit (C19). */
  rollbackSupported: boolean;
  /** Subscribe to reply topics too (needed behind brokers that only route to subscribers). */
  subscribeReplies: boolean;
  behaviour: Behaviour;
  faults: DeviceFaults;
  /** Mutual-TLS identity for an `mqtts://` URL, as IoT Core devices hold it (PEM texts). */
  tls?: ThingTlsIdentity;
  /** MQTT username, e.g. the SDK metrics string `?SDK=…&Version=…` AWS SDKs send. */
  mqttUsername?: string;
  /** The MQTT receive buffer: longer messages are dropped unread (case C11). */
  maxMessageBytes?: number;
  /**
   * Send at most this many bitmap bytes per GetStream request, with `o` at the window holding
   * the first missing block (case C06, device B). Unset: the whole bitmap with `o = 0` (§5.6).
   */
  requestWindowBytes?: number;
  /** The thing name compiled into the new image; the device connects as it after (C23). */
  identityFromImage?: string;
  /** Wall-time floor of timers that wait on the network (DEFAULTS.agent.networkFloorMs). */
  networkFloorMs?: number;
}

export interface ThingTlsIdentity {
  certPem: string;
  keyPem: string;
  /** The server's trust anchor (the cloud's TLS root, like Amazon Root CA 1). */
  caPem: string;
  /** SNI name; defaults to the URL host when that is a DNS name. */
  servername?: string;
}

/** The connection options that carry the thing's identity (TLS and username). */
export function identityConnectOptions(cfg: ThingConfig): Partial<IClientOptions> {
  const out: Partial<IClientOptions> = {};
  if (cfg.mqttUsername !== undefined) out.username = cfg.mqttUsername;
  if (cfg.tls) {
    Object.assign(out, { key: cfg.tls.keyPem, cert: cfg.tls.certPem, ca: cfg.tls.caPem,
      rejectUnauthorized: true });
    if (cfg.tls.servername) out.servername = cfg.tls.servername;
  }
  return out;
}

export function defaultThingConfig(thingName: string, mqttUrl: string,
  overrides: Partial<ThingConfig> = {}): ThingConfig {
  const a = DEFAULTS.agent;
  return {
    thingName,
    mqttUrl,
    firmwareVersion: a.firmwareVersion,
    log2BlockSize: a.log2BlockSize,
    maxBitmapBytes: a.maxBitmapBytes,
    maxBlocksPerRequest: a.maxBlocksPerRequest,
    momentum: a.momentum,
    requestWaitMs: a.requestWaitMs,
    selfTestWaitMs: a.selfTestWaitMs,
    statusFrequency: a.statusFrequency,
    maxSignatureBytes: a.maxSignatureBytes,
    bootDelayMs: a.bootDelayMs,
    signatureKey: 'sig-sha256-ecdsa',
    certStore: {},
    trustedRootsPem: [],
    intermediatesPem: [],
    crypto: 'node',
    strictX509: false,
    enabledProtocols: ['MQTT'],
    primaryProtocol: 'MQTT',
    rollbackSupported: true,
    subscribeReplies: false,
    behaviour: 'ok',
    faults: {},
    ...overrides,
  };
}
