/** `transfer-lab doctor [--json]`: what is installed and what is missing. */
import { environmentReport } from '../environment';
import { Command, parseArgs } from './command';
import { DOCTOR } from './specs';

export const command: Command = {
  async run(args) {
    const opts = parseArgs(args, DOCTOR);
    const env = environmentReport();
    if (opts.flags.has('json')) {
      process.stdout.write(JSON.stringify(env, null, 2) + '\n');
      return env.ok ? 0 : 1;
    }
    const b = env.backend;
    const lines = [
      `transfer-lab doctor`,
      `  backend      ${b.backend}${b.native ? '' : `  <-- ${b.label}`}`,
      `  TensorFlow   ${b.tfVersion ?? '-'}   (libtensorflow: ${b.libtensorflowSource ?? '-'}${b.libtensorflowPath ? `, ${b.libtensorflowPath}` : ''})`,
      `  tfjs         ${b.tfjsVersion}`,
      `  node         ${env.node} on ${env.platform}, ${env.cpus} CPUs`,
      `  python       ${env.python ?? '-'}   jupyterlab ${env.jupyterlab ?? '-'}   nbclient ${env.nbclient ?? '-'}`,
      `  tslab kernel ${env.tslabKernel ?? '-'}`,
      '',
      ...env.checks.map((c) => `  [${c.ok ? ' ok ' : 'FAIL'}] ${c.name.padEnd(26)} ${c.detail}${c.ok ? '' : `\n         fix: ${c.fix}`}`),
      '',
      env.ok ? 'All checks passed.' : 'Some checks failed: see the fixes above.',
    ];
    process.stdout.write(lines.join('\n') + '\n');
    return env.ok ? 0 : 1;
  },
};
