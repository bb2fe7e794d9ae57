/**
 * `transfer-lab pretrain <name|all> [--epochs N] [--fresh] [--quick] [--models-dir DIR]`:
 * reproduce a bundled backbone, resuming from its last epoch checkpoint unless --fresh.
 * --quick runs the smoke-test recipe (a few hundred images) into `<name>-quick`.
 */
import { backendInfo } from '../backend';
import { pretrain, quickRecipe, RECIPES } from '../backbone/pretrain';
import { withVerbose } from '../train/progress';
import { Command, CliError, parseArgs } from './command';
import { PRETRAIN } from './specs';

export const command: Command = {
  async run(args) {
    const opts = parseArgs(args, PRETRAIN);
    const names = opts.positional[0] === 'all' ? Object.keys(RECIPES) : opts.positional;
    if (names.length === 0) throw new CliError(`name a backbone to pretrain: ${Object.keys(RECIPES).join(', ')}, or all`, 2);
    for (const n of names) if (!RECIPES[n]) throw new CliError(`unknown backbone '${n}' (known: ${Object.keys(RECIPES).join(', ')})`, 2);
    const epochs = opts.values.has('epochs') ? Number(opts.values.get('epochs')) : undefined;
    if (epochs !== undefined && !(Number.isInteger(epochs) && epochs > 0))
      throw new CliError(`--epochs must be a positive integer, got '${opts.values.get('epochs')}'`, 2);
    const b = backendInfo();
    for (const name of names) {
      const recipe = opts.flags.has('quick') ? quickRecipe(RECIPES[name]) : RECIPES[name];
      process.stdout.write(`pretraining ${recipe.name} (${recipe.description}) on ${b.backend}${b.label ? ` [${b.label}]` : ''}\n`);
      // The epoch lines below are the progress: train()'s own stays off.
      const { testAccuracy, dir } = await withVerbose(0, () =>
        pretrain(name, {
          epochs,
          resume: !opts.flags.has('fresh'),
          modelsDir: opts.values.get('models-dir'),
          quick: opts.flags.has('quick'),
          onStart: (p) => {
            if (p.fromEpoch > 0) process.stdout.write(`  resuming from the checkpoint after epoch ${p.fromEpoch}/${p.epochs} (${p.checkpoint})\n`);
          },
          onEpoch: (l, of) =>
            process.stdout.write(
              `  epoch ${l.epoch + 1}/${of}  loss ${l.loss.toFixed(4)}  acc ${l.acc.toFixed(4)}  test acc ${l.valAcc?.toFixed(4)}  lr ${l.lr.toExponential(2)}  ${l.seconds.toFixed(0)}s\n`,
            ),
        }),
      );
      process.stdout.write(`  saved ${dir}: test accuracy ${testAccuracy.toFixed(4)}\n`);
    }
    return 0;
  },
};
