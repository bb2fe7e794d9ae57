/**
 * Where transfer-lab reads and writes, so that it works the same from a clone and from
 * `npm install transfer-lab` (where the package folder is inside `node_modules/` and may be
 * read-only):
 *
 * - the package folder: bundled backbones (`models/`), the Python helper scripts;
 * - the user cache (like Keras's `~/.keras`): downloaded data sets, downloaded models and
 *   the feature cache, in `~/.cache/transfer-lab` (`$XDG_CACHE_HOME/transfer-lab`;
 *   `%LOCALAPPDATA%\transfer-lab` on Windows), or `$TRANSFER_LAB_CACHE` when set;
 * - reports: `reports/` under the current directory, or `$TRANSFER_LAB_REPORTS`;
 * - the Python venv of the notebooks and references: `<package>/.venv`, or `$TRANSFER_LAB_VENV`.
 */
import * as os from 'os';
import * as path from 'path';

/** The environment variable that moves the user cache (data sets, models, features). */
export const CACHE_ENV = 'TRANSFER_LAB_CACHE';
/** The environment variable that moves the reports folder. */
export const REPORTS_ENV = 'TRANSFER_LAB_REPORTS';
/** The environment variable that names the Python venv to use instead of `<package>/.venv`. */
export const VENV_ENV = 'TRANSFER_LAB_VENV';

/**
 * The installed package's folder (holding package.json, models/, scripts/; in a clone, the
 * repository).
 *
 * @example
 * packageRoot(); // '/home/me/project/node_modules/transfer-lab'
 */
export function packageRoot(): string {
  return path.resolve(__dirname, '..');
}

/**
 * The user cache folder for downloads and caches: `$TRANSFER_LAB_CACHE`, else
 * `$XDG_CACHE_HOME/transfer-lab`, else `~/.cache/transfer-lab` (`%LOCALAPPDATA%\transfer-lab`
 * on Windows). Not created here: writers create what they need.
 *
 * @example
 * userCacheDir(); // '/home/me/.cache/transfer-lab'
 */
export function userCacheDir(): string {
  const env = process.env[CACHE_ENV];
  if (env) return path.resolve(env);
  if (process.platform === 'win32' && process.env.LOCALAPPDATA) return path.join(process.env.LOCALAPPDATA, 'transfer-lab');
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache'), 'transfer-lab');
}

/**
 * The default reports folder: `$TRANSFER_LAB_REPORTS`, else `reports/` under the current
 * directory (never inside the installed package).
 *
 * @example
 * reportsRoot(); // '/home/me/project/reports'
 */
export function reportsRoot(): string {
  const env = process.env[REPORTS_ENV];
  return path.resolve(env || 'reports');
}

/**
 * The Python venv holding JupyterLab, TensorFlow's wheel and the text encoder package:
 * `$TRANSFER_LAB_VENV`, else `<package>/.venv` (made by scripts/setup).
 *
 * @example
 * venvDir(); // '/home/me/transfer-lab/.venv'
 */
export function venvDir(): string {
  const env = process.env[VENV_ENV];
  return env ? path.resolve(env) : path.join(packageRoot(), '.venv');
}
