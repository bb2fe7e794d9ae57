/** `transfer-lab pretrain <name|all> [--epochs N] [--fresh]`: reproduce a bundled backbone. */
import { backendInfo } from '../backend';
import { pretrain, RECIPES } from '../backbone/pretrain';
import { Command, CliError, parseArgs } from './command';

export const command: Command = {
  async run(args) {
    const opts = parseArgs(args, { flags: ['fresh'], valued: ['epochs', 'models-dir'] });
    const names = opts.positional[0] === 'all' ? Object.keys(RECIPES) : opts.positional;
    if (names.length === 0) throw new CliError(`name a backbone to pretrain: ${Object.keys(RECIPES).join(', ')}, or all`, 2);
    for (const n of names) if (!RECIPES[n]) throw new CliError(`unknown backbone '${n}' (known: ${Object.keys(RECIPES).join(', ')})`, 2);
    const epochs = opts.values.has('epochs') ? Number(opts.values.get('epochs')) : undefined;
    if (epochs !== undefined && !(Number.isInteger(epochs) && epochs > 0)) throw new CliError(`--epochs must be a positive integer, got '${opts.values.get('epochs')}'`, 2);
    const b = backendInfo();
    for (const name of names) {
      process.stdout.write(`pretraining ${name} (${RECIPES[name].description}) on ${b.backend}${b.label ? ` [${b.label}]` : ''}\n`);
      const { testAccuracy, dir } = await pretrain(name, {
        epochs, resume: !opts.flags.has('fresh'), modelsDir: opts.values.get('models-dir'),
        onEpoch: (l, of) => process.stdout.write(`  epoch ${l.epoch + 1}/${of}  loss ${l.loss.toFixed(4)}  acc ${l.acc.toFixed(4)}  test acc ${l.valAcc?.toFixed(4)}  lr ${l.lr.toExponential(2)}  ${l.seconds.toFixed(0)}s\n`),
      });
      process.stdout.write(`  saved ${dir}: test accuracy ${testAccuracy.toFixed(4)}\n`);
    }
    return 0;
  },
};
