import type { MessagePort } from 'node:worker_threads';
import type { ClockAnchor } from '../clock.js';
import type { ThingConfig, Behaviour, DeviceFaults } from '../device/config.js';
import type { ThingPhase } from '../device/agent.js';

/** Messages between the coordinator (main thread) and the piscina workers. */

export type DeviceProfile = Omit<ThingConfig, 'thingName' | 'behaviour' | 'faults'>;

export interface ThingSpec {
  name: string;
  behaviour: Behaviour;
  faults?: DeviceFaults;
  /** Per-thing overrides (e.g. a TLS identity); merged over the profile. */
  overrides?: Partial<ThingConfig>;
}

export interface WorkerTask {
  workerIndex: number;
  clock: ClockAnchor;
  profile: DeviceProfile;
  things: ThingSpec[];
  /** Spread connection attempts so a thousand things do not SYN-flood the broker at once. */
  connectSpreadMs: number;
  port: MessagePort;
}

export const PHASES: ThingPhase[] = [
  'connecting', 'idle', 'downloading', 'verifying', 'rebooting', 'self-test', 'succeeded', 'failed',
];

export interface WorkerProgress {
  workerIndex: number;
  phases: number[];
  connected: number;
  /** Things whose job went away before they reported a final status. */
  dropped: number;
  blocks: number;
  bytes: number;
  requests: number;
  duplicates: number;
  outcomes: Record<string, number>;
  final: boolean;
  results?: ThingResult[];
}

export interface ThingResult {
  thing: string;
  behaviour: Behaviour;
  phase: ThingPhase;
  blocks: number;
  requests: number;
  connects: number;
  /** The last job the thing was given, finished or not. */
  jobId?: string;
  outcome?: { status: string; reason: string; jobId: string };
}
