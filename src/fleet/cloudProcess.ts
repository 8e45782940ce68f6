import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SimError } from '../protocol/errors.js';
import { logger } from '../log.js';

/** Runs `ota-sim cloud` as its own process (design.md: cloud and fleet are separate). */

export function mainScript(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return path.resolve(path.dirname(here), '..', 'cli', 'main.js');
  return path.resolve(path.dirname(here), '..', '..', 'dist', 'src', 'cli', 'main.js');
}

export interface CloudProcess {
  endpointUrl: string;
  mqttUrl: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function spawnCloud(args: string[], readyTimeoutMs = 60_000): Promise<CloudProcess> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ota-sim-cloud-'));
  const ready = path.join(dir, 'ready.json');
  const child = spawn(process.execPath, [mainScript(), 'cloud', '--ready-file', ready, ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
    // The cloud logs at the level the user chose for this process (--log-level).
    env: { ...process.env, OTA_SIM_LOG_LEVEL: logger().level },
  });
  let exited: number | null = null;
  child.on('exit', (code) => { exited = code ?? -1; });
  const end = Date.now() + readyTimeoutMs;
  for (;;) {
    try {
      const info = JSON.parse(await fs.readFile(ready, 'utf8')) as
        { endpointUrl: string; mqttUrl: string };
      return {
        ...info,
        child,
        async stop() {
          if (exited === null) {
            const gone = new Promise((r) => child.once('exit', r));
            child.kill('SIGTERM');
            let timer: NodeJS.Timeout | undefined;
            await Promise.race([gone, new Promise((r) => { timer = setTimeout(r, 5000); })]);
            clearTimeout(timer);
            if (exited === null) child.kill('SIGKILL');
          }
          await fs.rm(dir, { recursive: true, force: true });
        },
      };
    } catch {
      if (exited !== null) {
        throw new SimError('OTASIM_CLOUD_START', `the cloud process exited with code ${exited} ` +
          'before it was ready');
      }
      if (Date.now() > end) {
        child.kill('SIGKILL');
        throw new SimError('OTASIM_CLOUD_START',
          `the cloud was not ready within ${readyTimeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
