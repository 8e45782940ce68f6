/** Every default ota-sim uses, declared once. Sources are protocol.md sections. */
export const DEFAULTS = {
  region: 'us-east-1',
  accountId: '123456789012',
  host: '127.0.0.1',
  /** Largest REST request body the cloud buffers (firmware uploads included). */
  maxRequestBytes: 64 * 1024 * 1024,
  /** Control-plane defaults (§1.3, §1.10, §2.7). */
  protocols: ['MQTT'] as const,
  targetSelection: 'SNAPSHOT' as const,
  otaPresignedExpiresInSec: 1800,
  jobPresignedExpiresInSec: 3600,
  maximumPerMinute: 1000,
  /** Agent constants (§5.1). */
  agent: {
    log2BlockSize: 12,
    maxBitmapBytes: 128,
    maxBlocksPerRequest: 1,
    momentum: 32,
    requestWaitMs: 10_000,
    selfTestWaitMs: 16_000,
    statusFrequency: 64,
    maxSignatureBytes: 384,
    bootDelayMs: 2_000,
    /**
     * Wall-time floor for the request and self-test timers: the network is not sped up by
     * --time-scale, so at scale 60 a 16 s self-test window must not shrink below a round trip.
     */
    networkFloorMs: 3_000,
    /** App version 1.0.0 packed as major<<24 | minor<<16 | build (§5.9). */
    firmwareVersion: 0x01000000,
  },
  /** Stream limits (§4.3). */
  stream: {
    minBlock: 256,
    maxBlock: 131_072,
    maxPayloadPerRequest: 131_072,
    maxOffset: 98_304,
    maxBitmapBytes: 12_287,
  },
  demo: {
    things: 1000,
    fileSize: 256 * 1024,
    group: 'ota-sim-demo',
    workers: 2,
    timeScale: 1,
  },
  fleet: {
    thingPrefix: 'thing-',
    /** Where simulated devices keep the code-signing certificate (the job's `certfile`). */
    certPath: '/certs/codesign.crt',
  },
} as const;
