import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mainScript } from '../../src/fleet/cloudProcess.js';
import { tmpDir } from '../helpers.js';

/** Bad input to the product commands: a precise message, exit 252, and nothing started. */
function run(...args: string[]) {
  const r = spawnSync(process.execPath, [mainScript(), ...args],
    { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, err: r.stderr.trim(), out: r.stdout.trim() };
}

describe('the package', () => {
  it('points its ota-sim bin at the built entry, which has a shebang', () => {
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as
      { bin: Record<string, string> };
    const bin = path.resolve(pkg.bin['ota-sim']!);
    expect(bin).toBe(path.resolve(mainScript()));
    expect(fs.readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
  });
});

describe('the demo and fleet commands refuse bad input up front', () => {
  it('names a fractional or non-numeric --things with what was typed', () => {
    expect(run('demo', '--things', '1.5')).toEqual({ code: 252, out: '',
      err: 'ota-sim: OTASIM_BAD_OPTION: --things must be a whole number >= 1, got "1.5"' });
    expect(run('demo', '--things=abc').err)
      .toBe('ota-sim: OTASIM_BAD_OPTION: --things must be a whole number >= 1, got "abc"');
  });

  it('refuses a --blocks-per-request that is not a whole number >= 1', () => {
    for (const v of ['0', '-5', '1.5', 'abc']) {
      expect(run('demo', `--blocks-per-request=${v}`)).toEqual({ code: 252, out: '',
        err: `ota-sim: OTASIM_BAD_OPTION: --blocks-per-request must be a whole number >= 1, ` +
          `got ${JSON.stringify(v)}` });
    }
  });

  it('refuses a mix above 100 percent and an unknown behaviour', () => {
    expect(run('demo', '--mix', 'fail=60,stall=50').err)
      .toBe('ota-sim: OTASIM_BAD_OPTION: --mix: percentages add up to 110 (> 100)');
    expect(run('demo', '--mix', 'explode=5').err).toBe('ota-sim: OTASIM_BAD_OPTION: --mix: ' +
      "'explode=5' is not NAME=PERCENT with NAME one of fail, reject, stall");
  });

  it('points at the line and column of a malformed --ota-update file', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'ota.json');
    fs.writeFileSync(file, '{\n  "otaUpdateId": "x"\n  "roleArn": "y"\n}\n');
    const r = run('demo', '--ota-update', file);
    expect(r.code).toBe(252);
    expect(r.err).toBe(`ota-sim: OTASIM_BAD_JSON: ${file}:3:3: invalid JSON: expected ',' or '}' ` +
      'after the value of member "otaUpdateId", found \'"\'\n    "roleArn": "y"\n    ^');
  });

  it('refuses a fleet file whose things are not a count or a list of names', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'fleet.json');
    fs.writeFileSync(file, '{"things": "x"}');
    const r = run('fleet', '--endpoint-url', 'http://127.0.0.1:9', '--fleet', file);
    expect(r.code).toBe(252);
    expect(r.err).toBe(`ota-sim: OTASIM_BAD_JSON: ${file}: "things" must be a whole number >= 1 ` +
      'or a non-empty list of thing names, got "x"');
  });
});
