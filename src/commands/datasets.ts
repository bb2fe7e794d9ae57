/** `transfer-lab datasets`: which data sets are available and from where. */
import { locateFashionMnist } from '../data/fashion';
import { Command, CliError, parseArgs } from './command';

export const command: Command = {
  async run(args) {
    const opts = parseArgs(args, { flags: ['json'], valued: ['check'] });
    const check = opts.values.get('check');
    if (check !== undefined) {
      if (check !== 'fashion-mnist') throw new CliError(`unknown data set '${check}' (known: fashion-mnist)`, 2);
      return locateFashionMnist() ? 0 : 1;
    }
    const dir = locateFashionMnist();
    const out = { 'fashion-mnist': dir };
    process.stdout.write(opts.flags.has('json') ? JSON.stringify(out, null, 2) + '\n' : `fashion-mnist  ${dir ?? 'not found'}\n`);
    return 0;
  },
};
