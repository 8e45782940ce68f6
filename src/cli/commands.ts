import type { Argv } from 'yargs';
import { DEFAULTS } from '../protocol/defaults.js';
import { SimError } from '../protocol/errors.js';
import { logger } from '../log.js';
import { startCloud, writeReadyFile, type CloudInfo } from '../cloud/cloud.js';
import { runDemo } from '../fleet/demo.js';
import { SIGNING_NAMES, type SigningName } from '../device/signing.js';
import { runFleetCommand } from '../fleet/fleetCommand.js';
import { CloudClient } from '../client/cloudClient.js';
import { EXIT } from './errors.js';
import { readJsonFile } from './jsonInput.js';
import { applyPreload, readPreloadFile } from '../cloud/preload.js';

/** The product's own commands: demo, cloud, fleet. Thin: parse, then call the modules. */

function positive(name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) {
    throw new SimError('OTASIM_BAD_OPTION', `--${name} must be a number > 0, got ${raw(name)}`);
  }
  return v;
}

function count(name: string, v: number, min = 1): number {
  if (!Number.isInteger(v) || v < min) {
    throw new SimError('OTASIM_BAD_OPTION',
      `--${name} must be a whole number >= ${min}, got ${raw(name)}`);
  }
  return v;
}

/** The text the user typed for an option (yargs turns 'abc' into NaN). */
function raw(name: string): string {
  const i = process.argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return 'nothing';
  const a = process.argv[i]!;
  return JSON.stringify(a.includes('=') ? a.slice(a.indexOf('=') + 1) : process.argv[i + 1] ?? '');
}

export function registerProductCommands(y: Argv): Argv {
  return y
    .command('demo', 'Run the demo rollout: a cloud, a fleet, a signed image, one OTA update',
      (a) => a
        .option('things', { type: 'number', default: DEFAULTS.demo.things, describe: 'fleet size' })
        .option('protocol', { choices: ['MQTT', 'HTTP', 'both'] as const,
          default: 'MQTT' as const })
        .option('file-size', { type: 'number', default: DEFAULTS.demo.fileSize, describe: 'bytes' })
        .option('signing', { choices: [...SIGNING_NAMES],
          default: 'ecdsa-sha256' as SigningName })
        .option('crypto', { choices: ['node', 'noble'] as const, default: 'node' as const,
          describe: 'the devices\' crypto backend' })
        .option('time-scale', { type: 'number', default: DEFAULTS.demo.timeScale,
          describe: 'virtual seconds per wall second for every timer in the cloud and fleet' })
        .option('ota-update', { type: 'string', describe: 'create-ota-update input JSON file' })
        .option('mix', { type: 'string', describe: 'e.g. fail=20,reject=5,stall=5' })
        .option('report', { type: 'string', describe: 'write the run report (JSON) here' })
        .option('seed', { type: 'number', default: 1,
          describe: 'picks the --mix things and the image bytes; same seed, same run' })
        .option('workers', { type: 'number', default: DEFAULTS.demo.workers,
          describe: 'worker threads for the fleet' })
        .option('blocks-per-request', { type: 'number', describe: 'agent n (default 1)' })
        .option('broker-url', { type: 'string', describe: 'use an external MQTT broker' })
        .option('tls', { type: 'boolean', default: false,
          describe: 'a certificate per thing, mutual TLS to the cloud' })
        .option('timeout', { type: 'number', default: 900,
          describe: 'wall seconds to wait at most' }),
      async (a) => {
        const r = await runDemo({
          things: count('things', a.things), protocol: a.protocol,
          fileSize: count('file-size', a['file-size'], 64), signing: a.signing, crypto: a.crypto,
          timeScale: positive('time-scale', a['time-scale']), otaUpdateFile: a['ota-update'],
          mix: a.mix, report: a.report, seed: a.seed, workers: count('workers', a.workers),
          timeoutSec: positive('timeout', a.timeout),
          blocksPerRequest: a['blocks-per-request'] === undefined ? undefined
            : count('blocks-per-request', a['blocks-per-request']),
          brokerUrl: a['broker-url'], tls: a.tls,
        });
        process.exitCode = r.ok ? EXIT.ok : EXIT.failedRollout;
      })
    .command('cloud', 'Run the local cloud (broker, REST API, jobs, streams, signer) until stopped',
      (a) => a
        .option('host', { type: 'string', default: DEFAULTS.host,
          describe: 'listen address (loopback by default)' })
        .option('mqtt-port', { type: 'number', default: 0, describe: '0 = any free port' })
        .option('api-port', { type: 'number', default: 0, describe: '0 = any free port' })
        .option('mqtts-port', { type: 'number',
          describe: 'mutual-TLS MQTT listener (0 = any free port); none when absent' })
        .option('plain-isolation', { choices: ['thing', 'off'] as const, default: 'thing' as const,
          describe: 'seal plain connections whose client id is a thing to its topics' })
        .option('broker-url', { type: 'string', describe: 'external broker instead of embedded' })
        .option('time-scale', { type: 'number', default: 1,
          describe: 'virtual seconds per wall second; fleets read it from /ota-sim/info' })
        .option('ready-file', { type: 'string', describe: 'write {endpointUrl, mqttUrl} here' })
        .option('certs-dir', { type: 'string', describe: 'development chains (default certs/dev)' })
        .option('strict-targets', { type: 'boolean', default: false,
          describe: 'reject bare thing names in targets, as the service would' })
        .option('preload', { type: 'string',
          describe: 'things, groups, objects, streams and signing jobs to start with (JSON)' })
        .option('jobs-rate-limit', { type: 'number', describe: 'Jobs MQTT requests per thing ' +
          'per second before RequestThrottled (default: unlimited)' })
        .option('sigv4-keys', { type: 'string',
          describe: 'verify SigV4 signatures against {"ACCESS_KEY_ID": "secret", ...}' }),
      async (a) => {
        const preload = a.preload ? readPreloadFile(a.preload) : undefined;
        const keys = a['sigv4-keys'] ? await readJsonFile(a['sigv4-keys']) : undefined;
        if (keys && Object.values(keys).some((v) => typeof v !== 'string')) {
          throw new SimError('OTASIM_BAD_JSON',
            `${a['sigv4-keys']}: expected {"ACCESS_KEY_ID": "secret", ...} with string secrets`);
        }
        const cloud = await startCloud({
          host: a.host, mqttPort: a['mqtt-port'], apiPort: a['api-port'],
          brokerUrl: a['broker-url'],
          timeScale: positive('time-scale', a['time-scale']), certsDir: a['certs-dir'],
          strictTargets: a['strict-targets'], mqttsPort: a['mqtts-port'],
          plainIsolation: a['plain-isolation'],
          jobsRateLimit: a['jobs-rate-limit'] === undefined ? undefined
            : positive('jobs-rate-limit', a['jobs-rate-limit']),
          verifySigV4: keys ? { keys: keys as Record<string, string> } : undefined,
        });
        if (preload) {
          const r = applyPreload(cloud.core, preload);
          logger().info(r, 'preloaded');
          for (const id of r.resigned) {
            process.stderr.write(`warning: signing job ${id} was re-signed with this cloud's ` +
              'development chain (its fixture signature did not verify)\n');
          }
        }
        if (a['ready-file']) await writeReadyFile(a['ready-file'], cloud);
        process.stdout.write(JSON.stringify({ endpointUrl: cloud.endpointUrl,
          mqttUrl: cloud.mqttUrl, mqttsUrl: cloud.mqttsUrl }) + '\n');
        logger().info({ endpointUrl: cloud.endpointUrl, mqttUrl: cloud.mqttUrl }, 'cloud ready');
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await cloud.stop();
        process.exit(0);
      })
    .command('fleet', 'Run simulated things against a cloud',
      (a) => a
        .option('endpoint-url', { type: 'string', demandOption: true,
          describe: 'the cloud\'s REST endpoint (endpointUrl of its ready file)' })
        .option('things', { type: 'number', describe: 'number of things' })
        .option('fleet', { type: 'string', describe: 'fleet definition JSON file' })
        .option('group', { type: 'string', describe: 'register the things in this thing group' })
        .option('prefix', { type: 'string', default: DEFAULTS.fleet.thingPrefix,
          describe: 'thing names are PREFIX00001, PREFIX00002, …' })
        .option('workers', { type: 'number', default: DEFAULTS.demo.workers,
          describe: 'worker threads' })
        .option('shard', { type: 'string', describe: 'i/n: run the i-th of n slices (1-based)' })
        .option('report', { type: 'string', describe: 'write the run report (JSON) here' })
        .option('until', { choices: ['done', 'idle'] as const, default: 'done' as const,
          describe: 'stop when every thing reported, or when nothing moved for --idle-seconds' })
        .option('idle-seconds', { type: 'number', default: 30 })
        .option('mix', { type: 'string', describe: 'e.g. fail=20,reject=5,stall=5' })
        .option('seed', { type: 'number', default: 1, describe: 'picks the --mix things' })
        .option('signing', { choices: [...SIGNING_NAMES],
          default: 'ecdsa-sha256' as SigningName })
        .option('crypto', { choices: ['node', 'noble'] as const, default: 'node' as const,
          describe: 'the devices\' crypto backend' })
        .option('protocol', { choices: ['MQTT', 'HTTP', 'both'] as const,
          default: 'both' as const })
        .option('subscribe-replies', { type: 'boolean', default: false,
          describe: 'subscribe to reply topics (needed behind an external broker)' })
        .option('tls', { type: 'boolean', default: false,
          describe: 'a certificate per thing, mutual TLS to the cloud' })
        .option('timeout', { type: 'number', default: 3600,
          describe: 'wall seconds to wait at most' })
        .option('time-scale', { type: 'number', describe: 'virtual seconds per wall second; ' +
          'the cloud owns it, so this only checks that the cloud runs at this scale' }),
      async (a) => {
        if (a['time-scale'] !== undefined) {
          await checkCloudScale(a['endpoint-url'], positive('time-scale', a['time-scale']));
        }
        const ok = await runFleetCommand({
          endpointUrl: a['endpoint-url'],
          things: a.things === undefined ? undefined : count('things', a.things),
          fleetFile: a.fleet, group: a.group,
          prefix: a.prefix, workers: count('workers', a.workers), shard: a.shard, report: a.report,
          until: a.until,
          idleSeconds: a['idle-seconds'], mix: a.mix, seed: a.seed, signing: a.signing,
          crypto: a.crypto, protocol: a.protocol, subscribeReplies: a['subscribe-replies'],
          timeoutSec: a.timeout, tls: a.tls,
        });
        process.exitCode = ok ? EXIT.ok : EXIT.failedRollout;
      });
}

/**
 * The fleet follows the cloud's virtual clock (design.md): a --time-scale given to the fleet
 * must agree with it, since a fleet on its own scale would time out or stall against it.
 */
async function checkCloudScale(endpointUrl: string, scale: number): Promise<void> {
  const client = new CloudClient(endpointUrl);
  try {
    const info = await client.call<CloudInfo>('GET', '/ota-sim/info');
    if (info.clock.scale !== scale) {
      throw new SimError('OTASIM_BAD_OPTION', `--time-scale ${scale} differs from the cloud's ` +
        `${info.clock.scale}; the fleet follows the cloud's clock, so omit it or restart the ` +
        'cloud with this scale');
    }
  } finally {
    await client.close();
  }
}

export type { CloudInfo };
