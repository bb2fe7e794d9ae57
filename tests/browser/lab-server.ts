/**
 * A JupyterLab server for the browser tests, started by the project's own launcher
 * (scripts/lab, what `npm run lab` runs after set-up) on a throw-away copy of the project:
 *
 *   <tmp>/project/scripts/lab        a byte-for-byte copy of scripts/lab
 *   <tmp>/project/notebooks/*.ipynb  copies of the notebooks to open
 *   <tmp>/project/{.venv,dist,node_modules} -> symlinks to the real ones
 *
 * so the launcher's flags (loopback, token, tslab as the default kernel) are the real
 * ones, and JupyterLab can save nothing into the committed notebooks. Settings and
 * workspaces live in the temp folder too (autosave and news fetching off).
 *
 * @example
 * const lab = await startLab(['00-setup.ipynb']);
 * // ... open `${lab.origin}/lab/tree/00-setup.ipynb?token=${lab.token}` ...
 * await lab.stop();
 */
import { ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { ROOT } from './page-check';

/** A running JupyterLab. */
export interface LabServer {
  /** e.g. http://127.0.0.1:43121 */
  origin: string;
  token: string;
  /** The temp project; notebooks are in `<dir>/project/notebooks`. */
  dir: string;
  /** The notebooks folder JupyterLab serves. */
  notebooksDir: string;
  /** Milliseconds from spawn to the server answering. */
  startMs: number;
  /** GET/POST/DELETE a Jupyter REST endpoint (token added), parsed JSON. */
  api(method: string, endpoint: string): Promise<unknown>;
  /** The server's log so far (stdout and stderr). */
  log(): string;
  /** Shut down kernels and the server (REST, then SIGTERM, then SIGKILL) and remove the temp folder. */
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
}

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** Process ids of every descendant of `pid` (Linux /proc; empty elsewhere). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  for (const e of entries) {
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces and parentheses.
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(e), ppid);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of parent)
      if (pp === p) {
        out.push(c);
        walk(c);
      }
  };
  walk(pid);
  return out;
}

/**
 * Signal the server's process group (bash exec'd into jupyter-lab) and the kernels it
 * started (jupyter puts kernels in sessions of their own, so they are found by parent id).
 */
function killServer(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  for (const pid of [...descendants(child.pid), -child.pid]) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Start JupyterLab with scripts/lab on a free loopback port, serving copies of the given
 * notebooks, and wait until its REST API answers.
 *
 * @param notebooks file names in notebooks/ to copy (e.g. ['00-setup.ipynb'])
 * @param opts `timeoutMs` to wait for the server (default 120000), `env` additions
 * @throws Error with the server log when it does not come up
 * @example
 * const lab = await startLab(['00-setup.ipynb']);
 */
export async function startLab(notebooks: string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<LabServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'transfer-lab-jupyterlab-'));
  const project = path.join(dir, 'project');
  const notebooksDir = path.join(project, 'notebooks');
  fs.mkdirSync(notebooksDir, { recursive: true });
  fs.mkdirSync(path.join(project, 'scripts'));
  fs.copyFileSync(path.join(ROOT, 'scripts', 'lab'), path.join(project, 'scripts', 'lab'));
  for (const link of ['.venv', 'dist', 'node_modules']) fs.symlinkSync(path.join(ROOT, link), path.join(project, link));
  for (const nb of notebooks) fs.copyFileSync(path.join(ROOT, 'notebooks', nb), path.join(notebooksDir, nb));

  const settings = path.join(dir, 'settings');
  // No autosave (nothing is written while the test looks), no news or update checks (offline).
  writeJson(path.join(settings, '@jupyterlab', 'docmanager-extension', 'plugin.jupyterlab-settings'), { autosave: false });
  writeJson(path.join(settings, '@jupyterlab', 'apputils-extension', 'notification.jupyterlab-settings'), { fetchNews: 'false', checkForUpdates: false });

  const port = await freePort();
  const token = randomBytes(24).toString('hex');
  const origin = `http://127.0.0.1:${port}`;
  const logFile = path.join(dir, 'server.log');
  const logFd = fs.openSync(logFile, 'a');
  const t0 = Date.now();
  const child = spawn(
    'bash',
    [
      path.join(project, 'scripts', 'lab'),
      '--ServerApp.port_retries=0',
      `--LabApp.user_settings_dir=${settings}`,
      `--LabApp.workspaces_dir=${path.join(dir, 'workspaces')}`,
    ],
    {
      cwd: project,
      // Own process group: on failure the server and its kernels go down together.
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: {
        ...process.env,
        TRANSFER_LAB_PORT: String(port),
        TRANSFER_LAB_TOKEN: token,
        JUPYTER_RUNTIME_DIR: path.join(dir, 'runtime'),
        JUPYTER_CONFIG_DIR: path.join(dir, 'config'),
        ...(opts.env ?? {}),
      },
    },
  );
  fs.closeSync(logFd);
  // If the test process exits without stop() (a crash, mocha's --exit), take the server down.
  const onExit = () => {
    killServer(child, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);

  const log = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
  const api = async (method: string, endpoint: string): Promise<unknown> => {
    const res = await fetch(`${origin}${endpoint}`, { method, headers: { Authorization: `token ${token}` } });
    if (!res.ok) throw new Error(`${method} ${endpoint}: HTTP ${res.status} ${await res.text()}`);
    const text = await res.text();
    return text ? JSON.parse(text) : null;
  };

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    try {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          const sessions = (await api('GET', '/api/sessions')) as { id: string }[];
          for (const s of sessions) await api('DELETE', `/api/sessions/${s.id}`);
          await api('POST', '/api/shutdown');
        } catch {
          // fall through to signals
        }
        if (!(await exited(child, 20_000))) {
          killServer(child, 'SIGTERM');
          if (!(await exited(child, 10_000))) killServer(child, 'SIGKILL');
        }
      }
    } finally {
      process.removeListener('exit', onExit);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  const timeout = opts.timeoutMs ?? 120_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const text = log();
      await stop();
      throw new Error(`JupyterLab (scripts/lab) exited with ${child.exitCode ?? child.signalCode} before answering on ${origin}:\n${text.slice(-3000)}`);
    }
    try {
      const res = await fetch(`${origin}/api/status`, { headers: { Authorization: `token ${token}` } });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - t0 > timeout) {
      const text = log();
      await stop();
      throw new Error(`JupyterLab (scripts/lab) did not answer on ${origin} within ${timeout / 1000} s:\n${text.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { origin, token, dir, notebooksDir, startMs: Date.now() - t0, api, log, stop };
}
