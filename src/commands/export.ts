/**
 * `transfer-lab export <net-dir> --web <out-dir>`: a saved net (saveNet / a checkpoint) as
 * a folder for a static web server: a model plain @tensorflow/tfjs loads, a local tf.min.js
 * and a page that classifies a picked or drawn image (see `exportWeb`).
 */
import * as fs from 'fs';
import { parseArgs } from 'node:util';
import { Command, CliError } from './command';

export const command: Command = {
  async run(args) {
    let parsed: { values: { web?: string; title?: string; json?: boolean }; positionals: string[] };
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: { web: { type: 'string' }, title: { type: 'string' }, json: { type: 'boolean' } },
      });
    } catch (e) {
      throw new CliError(`${(e as Error).message.split('\n')[0]}. Fix: transfer-lab export <net-dir> --web <out-dir> [--title TEXT] [--json].`, 2);
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1)
      throw new CliError(
        `export needs exactly one saved net folder, got ${positionals.length ? positionals.map((p) => `'${p}'`).join(' ') : 'none'}. Fix: transfer-lab export <net-dir> --web <out-dir>.`,
        2,
      );
    if (!values.web)
      throw new CliError(`export needs --web <out-dir> (the only export format). Fix: transfer-lab export ${positionals[0]} --web out/web/my-net.`, 2);
    if (!fs.existsSync(positionals[0]))
      throw new CliError(`no saved net at ${positionals[0]}. Fix: pass a folder written by saveNet (model.json + net.json), e.g. models/fashion-cnn.`, 2);
    // Loaded here, not at the top: TensorFlow starts only once the arguments are fine.
    const { loadNet } = await import('../transfer/io');
    const { exportWeb } = await import('../transfer/export-web');
    const net = await loadNet(positionals[0]);
    const out = await exportWeb(net, values.web, { title: values.title });
    if (values.json) {
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    } else {
      process.stdout.write(
        [
          `exported ${positionals[0]} (${net.classNames.length} classes: ${net.classNames.slice(0, 6).join(', ')}${net.classNames.length > 6 ? ', ...' : ''}) to ${out.dir}`,
          `  ${out.files.join(', ')}`,
          out.replaced.length ? `  replaced for plain tfjs: ${out.replaced.join('; ')}` : '  no custom layers to replace',
          out.maxAbsDiff === undefined
            ? ''
            : `  checked: plain @tensorflow/tfjs loads it; largest probability difference to the library ${out.maxAbsDiff.toExponential(1)}`,
          `serve it with e.g. python3 -m http.server -d ${out.dir} 8000 --bind 127.0.0.1, then open http://127.0.0.1:8000`,
        ]
          .filter(Boolean)
          .join('\n') + '\n',
      );
    }
    return 0;
  },
};
