/**
 * The simulated flash: the image being received, and the running/pending images with their
 * states (§5.9). A firmware image may start with a version header so the simulated bootloader
 * knows what it boots; the demo's images carry one.
 */

export type PalImageState = 'Valid' | 'PendingCommit' | 'Invalid';

const MAGIC = Buffer.from('OTASIMv1');

/** Prefixes a firmware payload with the header the simulated bootloader reads. */
export function withVersionHeader(version: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(MAGIC.length + 4);
  MAGIC.copy(head, 0);
  head.writeUInt32BE(version >>> 0, MAGIC.length);
  return Buffer.concat([head, payload]);
}

/** The version an image boots as: its header, else one build above the running version. */
export function imageVersion(image: Uint8Array, running: number): number {
  if (image.length >= MAGIC.length + 4 &&
    Buffer.from(image.buffer, image.byteOffset, MAGIC.length).equals(MAGIC)) {
    return Buffer.from(image.buffer, image.byteOffset, image.length).readUInt32BE(MAGIC.length);
  }
  return (running + 1) >>> 0;
}

export class Flash {
  runningVersion: number;
  /** The previous image, kept for rollback while the new one is PendingCommit. */
  previousVersion?: number;
  state: PalImageState = 'Valid';
  /** SHA-256 (hex) of the last file the agent closed, whatever the verdict: what it assembled. */
  receivedSha256?: string;

  constructor(version: number) {
    this.runningVersion = version;
  }

  /** Activation: the bootloader boots the new image in test mode (or not, without rollback). */
  activate(newVersion: number, rollbackSupported: boolean): void {
    this.previousVersion = this.runningVersion;
    this.runningVersion = newVersion;
    this.state = rollbackSupported ? 'PendingCommit' : 'Valid';
  }

  commit(): void {
    this.state = 'Valid';
    this.previousVersion = undefined;
  }

  /** Self-test failed or timed out: boot the previous image again. */
  rollback(): void {
    if (this.previousVersion !== undefined) this.runningVersion = this.previousVersion;
    this.previousVersion = undefined;
    this.state = 'Valid';
  }
}
