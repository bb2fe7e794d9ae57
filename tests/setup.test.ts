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
    assert.match(r.stderr, /Fix: install Python 3\.9-3\.13/);
  });

  it('refuses a Python that TensorFlow has no wheels for', () => {
    const fake = path.join(tmpDir(), 'python3');
    fs.writeFileSync(fake, '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "Python 3.7.9"; exit 0; fi\nexit 1\n', { mode: 0o755 });
    const r = setup({ PYTHON: fake });
    assert.notStrictEqual(r.status, 0);
    assert.match(r.stderr, /Python 3\.7\.9 is not supported: TensorFlow 2\.21 wheels need Python 3\.9-3\.13/);
  });

  it('rejects an unknown libtensorflow source', () => {
    const r = setup({ TRANSFER_LAB_TF_SOURCE: 'ftp' }, 'scripts/native-backend.sh');
    assert.notStrictEqual(r.status, 0);
    assert.match(r.stderr, /TRANSFER_LAB_TF_SOURCE='ftp' is not one of auto, download, wheel/);
  });
});
