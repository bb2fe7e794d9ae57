import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tmpDir } from './helpers';

const root = path.resolve(__dirname, '..');

function setup(env: Record<string, string>, script = 'scripts/setup') {
  return spawnSync('bash', [script], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 600000 });
}

describe('set-up (scripts/setup)', () => {
  it('is a quick no-op when everything is installed', () => {
    const r = setup({});
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, /native TensorFlow backend: ok/);
    assert.match(r.stdout, /\[setup\] ready/);
    assert.doesNotMatch(r.stdout, /installing|creating|building|registering/, 'a second run must not install anything');
  });

  it('says so clearly when there is no Python', () => {
    const r = setup({ PYTHON: '/nonexistent/python3' });
    assert.notStrictEqual(r.status, 0);
    assert.match(r.stderr, /no Python found \('\/nonexistent\/python3'\)/);
    assert.match(r.stderr, /Fix: install Python 3\.11, 3\.12 or 3\.13/);
  });

  // A fake interpreter that reports a version and fails the range check, as a real one
  // outside 3.11-3.13 does; the message names the version, the range and why.
  for (const version of ['3.10.12', '3.14.0']) {
    it(`refuses Python ${version}, naming the supported range and the pins that set it`, () => {
      const fake = path.join(tmpDir(), 'python3');
      fs.writeFileSync(fake, `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "Python ${version}"; exit 0; fi\nexit 1\n`, { mode: 0o755 });
      const r = setup({ PYTHON: fake });
      assert.notStrictEqual(r.status, 0);
      assert.match(r.stderr, new RegExp(`Python ${version.replace(/\./g, '\\.')} is not supported: the pinned Python packages need Python 3\\.11-3\\.13`));
      assert.match(r.stderr, /ipykernel 7\.4, torch 2\.15 and transformers 5\.24 need >= 3\.11; tensorflow-cpu 2\.21 has wheels up to 3\.13/);
      assert.match(r.stderr, /Fix: install Python 3\.11, 3\.12 or 3\.13 and set PYTHON=/);
    });
  }

  it('rejects an unknown libtensorflow source', () => {
    const r = setup({ TRANSFER_LAB_TF_SOURCE: 'ftp' }, 'scripts/native-backend.sh');
    assert.notStrictEqual(r.status, 0);
    assert.match(r.stderr, /TRANSFER_LAB_TF_SOURCE='ftp' is not one of auto, download, wheel/);
  });
});
