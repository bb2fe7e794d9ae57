/**
 * `transfer-lab backend [--source auto|download|wheel] [--python PY] [--check]`: make
 * `@tensorflow/tfjs-node` load native TensorFlow in the project that installed
 * transfer-lab, without relying on any install script (npm 10 runs tfjs-node's, npm >= 11.16
 * may skip it, `--ignore-scripts` skips it): runs the package's scripts/native-backend.sh
 * against the tfjs-node that this package resolves.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { packageRoot, userCacheDir, venvDir, VENV_ENV } from '../paths';
import { Command, CliError, EXIT, parseArgs } from './command';
import { BACKEND } from './specs';

const SOURCES = ['auto', 'download', 'wheel'];

/** The @tensorflow/tfjs-node folder this package loads. */
function tfjsNodeDir(): string {
  try {
    return path.dirname(require.resolve('@tensorflow/tfjs-node/package.json', { paths: [packageRoot()] }));
  } catch {
    throw new CliError(
      "@tensorflow/tfjs-node is not installed next to transfer-lab. Fix: npm install transfer-lab (or npm install --ignore-scripts, then re-run 'npx transfer-lab backend').",
    );
  }
}

/** Whether tfjs-node in `dir` loads with the native `tensorflow` backend (in a child process). */
function loadsNative(dir: string): boolean {
  const r = spawnSync(process.execPath, ['-e', 'const tf = require(process.argv[1]); process.exit(tf.getBackend() === "tensorflow" ? 0 : 3)', dir], {
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
    stdio: 'ignore',
    timeout: 120000,
  });
  return r.status === 0;
}

export const command: Command = {
  async run(args) {
    const opts = parseArgs(args, BACKEND);
    const source = opts.values.get('source') ?? process.env.TRANSFER_LAB_TF_SOURCE ?? 'auto';
    if (!SOURCES.includes(source))
      throw new CliError(`--source must be one of ${SOURCES.join(', ')}, got '${source}'. Fix: pass --source auto (the default).`, EXIT.usage);
    const tfn = tfjsNodeDir();
    if (opts.flags.has('check')) {
      const ok = loadsNative(tfn);
      process.stdout.write(`native TensorFlow backend: ${ok ? 'ok' : 'not loading'} (${tfn})\n`);
      return ok ? EXIT.ok : EXIT.failure;
    }
    // The venv holding the tensorflow-cpu wheel: as asked, the package's own (a clone after
    // set-up), else one in the user cache that the script creates when needed.
    const own = venvDir();
    const venv = process.env[VENV_ENV] || fs.existsSync(path.join(own, 'bin', 'python')) ? own : path.join(userCacheDir(), 'venv');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TFJS_NODE_DIR: tfn,
      TRANSFER_LAB_TF_SOURCE: source,
      TRANSFER_LAB_VENV: venv,
      TRANSFER_LAB_MAKE_VENV: '1',
      TRANSFER_LAB_LOG_DIR: path.join(userCacheDir(), 'logs'),
    };
    const py = opts.values.get('python');
    if (py) env.PYTHON = py;
    const r = spawnSync('bash', [path.join(packageRoot(), 'scripts', 'native-backend.sh')], { env, stdio: 'inherit' });
    if (r.error)
      throw new CliError(`could not run bash (${r.error.message}). Fix: install bash, or run scripts/native-backend.sh from the package folder by hand.`);
    return r.status === 0 ? EXIT.ok : EXIT.failure;
  },
};
