import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Where the AWS CLI finds its settings, in its order: command-line option, environment,
 * the named profile in ~/.aws/config and ~/.aws/credentials.
 */

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface ResolvedConfig {
  region: string;
  output?: string;
  credentials?: Credentials;
  endpointUrl?: string;
}

export class ProfileNotFound extends Error {
  constructor(profile: string) {
    super(`The config profile (${profile}) could not be found`);
    this.name = 'ProfileNotFound';
  }
}

/** A minimal INI reader: `[section]` headers and `key = value` lines. */
export function parseIni(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const h = /^\[(.+)\]$/.exec(line);
    if (h) {
      section = out[h[1]!.trim()] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (section && eq > 0) section[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

function readIni(file: string): Record<string, Record<string, string>> {
  try {
    return parseIni(fs.readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

export function resolveConfig(opts: { profile?: string; region?: string; endpointUrl?: string;
  service: string; env?: NodeJS.ProcessEnv; home?: string }): ResolvedConfig {
  const env = opts.env ?? process.env;
  const home = opts.home ?? os.homedir();
  const profile = opts.profile ?? env.AWS_PROFILE ?? env.AWS_DEFAULT_PROFILE;
  const config = readIni(env.AWS_CONFIG_FILE ?? path.join(home, '.aws', 'config'));
  const creds = readIni(env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(home, '.aws',
    'credentials'));
  const name = profile ?? 'default';
  const cfg = config[name === 'default' ? 'default' : `profile ${name}`] ?? {};
  const cred = creds[name] ?? {};
  if (opts.profile !== undefined && !config[`profile ${name}`] && !config[name] &&
    !creds[name]) {
    throw new ProfileNotFound(name);
  }
  const fromEnv = !opts.profile && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
    ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      sessionToken: env.AWS_SESSION_TOKEN }
    : undefined;
  const key = cred.aws_access_key_id ?? cfg.aws_access_key_id;
  const secret = cred.aws_secret_access_key ?? cfg.aws_secret_access_key;
  const fromFile = key && secret
    ? { accessKeyId: key, secretAccessKey: secret,
      sessionToken: cred.aws_session_token ?? cfg.aws_session_token }
    : undefined;
  const svcEnv = `AWS_ENDPOINT_URL_${opts.service.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  return {
    region: opts.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? cfg.region ?? 'us-east-1',
    output: env.AWS_DEFAULT_OUTPUT ?? cfg.output,
    credentials: fromEnv ?? fromFile,
    endpointUrl: opts.endpointUrl ?? env[svcEnv] ?? env.AWS_ENDPOINT_URL ?? cfg.endpoint_url ??
      env.OTA_SIM_ENDPOINT,
  };
}
