/**
 * One rule for the user cache folder: src/paths.ts userCacheDir() for the library, and
 * scripts/cache-dir.sh, sourced by the bash scripts (set-up runs some of them before dist/ is
 * built, so they cannot ask the CLI). The two must agree for every environment.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { userCacheDir } from '../src/paths';

const ROOT = path.resolve(__dirname, '..');
const SNIPPET = path.join(ROOT, 'scripts', 'cache-dir.sh');
const VARS = ['TRANSFER_LAB_CACHE', 'XDG_CACHE_HOME', 'HOME'] as const;
type Env = Partial<Record<(typeof VARS)[number], string>>;

/** What the sourced snippet sets, in a bash with exactly these variables (unset when absent). */
function shellRule(env: Env): string {
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  const r = spawnSync('bash', ['-c', '. "$1"; printf %s "$transfer_lab_cache"', 'bash', SNIPPET], { env: { ...base, ...env }, encoding: 'utf8' });
  assert.strictEqual(r.status, 0, r.stderr);
  return r.stdout;
}

/** userCacheDir() with exactly these variables set (the others unset). */
function libraryRule(env: Env): string {
  const saved = VARS.map((k) => [k, process.env[k]] as const);
  try {
    for (const k of VARS) {
      if (env[k] === undefined) delete process.env[k];
      else process.env[k] = env[k];
    }
    return userCacheDir();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('the user cache folder: scripts/cache-dir.sh agrees with src/paths.ts', function () {
  if (process.platform === 'win32') return; // the bash scripts run on Linux and macOS

  const home = '/tmp/tl-home';
  const cases: [string, Env][] = [
    ['nothing set but HOME', { HOME: home }],
    ['XDG_CACHE_HOME absolute', { HOME: home, XDG_CACHE_HOME: '/tmp/tl-xdg' }],
    ['XDG_CACHE_HOME relative (ignored)', { HOME: home, XDG_CACHE_HOME: 'rel-xdg' }],
    ['XDG_CACHE_HOME empty', { HOME: home, XDG_CACHE_HOME: '' }],
    ['TRANSFER_LAB_CACHE absolute, over XDG_CACHE_HOME', { HOME: home, XDG_CACHE_HOME: '/tmp/tl-xdg', TRANSFER_LAB_CACHE: '/tmp/tl-cache' }],
    ['TRANSFER_LAB_CACHE relative (from the current directory)', { HOME: home, TRANSFER_LAB_CACHE: 'my cache/x' }],
    ['TRANSFER_LAB_CACHE empty (as unset)', { HOME: home, XDG_CACHE_HOME: '/tmp/tl-xdg', TRANSFER_LAB_CACHE: '' }],
    ['TRANSFER_LAB_CACHE with a trailing slash', { HOME: home, TRANSFER_LAB_CACHE: '/tmp/tl-cache/' }],
  ];
  for (const [what, env] of cases) {
    it(what, () => {
      const lib = libraryRule(env);
      // path.resolve: the same folder (the shell keeps a trailing slash, userCacheDir drops it).
      assert.strictEqual(path.resolve(shellRule(env)), lib, `${JSON.stringify(env)}: shell ${shellRule(env)}, library ${lib}`);
    });
  }

  it('the real environment too', () => {
    const env: Env = {};
    for (const k of VARS) if (process.env[k] !== undefined) env[k] = process.env[k];
    assert.strictEqual(path.resolve(shellRule(env)), userCacheDir());
  });

  it('no other script or bench file repeats the rule (they source the snippet, or get the folder from their caller)', () => {
    const files = ['scripts', 'bench'].flatMap((d) =>
      fs
        .readdirSync(path.join(ROOT, d), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.join(e.parentPath, e.name)),
    );
    const repeating = files.filter((f) => f !== SNIPPET && /XDG_CACHE_HOME|\.cache\/transfer-lab|"\.cache", "transfer-lab"/.test(fs.readFileSync(f, 'utf8')));
    assert.deepStrictEqual(
      repeating.map((f) => path.relative(ROOT, f)),
      [],
    );
    for (const s of ['setup', 'lite0-assets', 'sentiment-data'])
      assert.match(fs.readFileSync(path.join(ROOT, 'scripts', s), 'utf8'), /^\. .*scripts\/cache-dir\.sh/m, s);
  });
});
