/**
 * `transfer-lab merge <folder> [--json] [--partial]`: the table, charts and report of a sharded
 * sweep from every shard's results file in its shared folder (`run --shard i/n --out <folder>`),
 * written into that folder; lists the runs no shard finished (and exits 1) with the commands
 * that redo them. `--partial` writes what there is anyway.
 */
import { parseArgs } from 'util';
import * as path from 'path';
import { formatSummaryTable } from '../experiment/report';
import { mergeShards } from '../sweep/merge';
import { Command, CliError } from './command';

export const command: Command = {
  async run(args) {
    let parsed;
    try {
      parsed = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, partial: { type: 'boolean' } } });
    } catch (e) {
      throw new CliError(`${(e as Error).message}. Fix: transfer-lab merge <folder> [--json] [--partial]`, 2);
    }
    const [folder, ...extra] = parsed.positionals;
    if (!folder || extra.length)
      throw new CliError(
        `merge needs exactly one folder (the --out of the shards), got ${parsed.positionals.length ? parsed.positionals.map((p) => `'${p}'`).join(' ') : 'none'}. Fix: transfer-lab merge <folder> [--json] [--partial]`,
        2,
      );
    const m = await mergeShards(folder, { partial: parsed.values.partial });
    const log = (s: string) => process.stderr.write(s + '\n');
    log(`[merge] ${m.shardFiles.length} shard file(s) in ${path.resolve(folder)}`);
    if (m.missing.length) {
      log(`[merge] ${m.missing.length} run(s) missing (no shard finished them):`);
      for (const r of m.missing) log(`  ${r.key}${r.shard ? `  (shard ${r.shard.index}/${r.shard.count})` : ''}`);
      const shards = [...new Set(m.missing.filter((r) => r.shard).map((r) => `${r.shard!.index}/${r.shard!.count}`))];
      if (shards.length)
        log(
          `[merge] Fix: run those shards again (they resume): ${shards.map((s) => `transfer-lab run <experiment> --shard ${s} --out ${folder}`).join('; ')}${m.result ? '' : '; or merge with --partial'}`,
        );
    }
    if (m.result && m.files) {
      if (parsed.values.json) process.stdout.write(JSON.stringify({ ...m.result, test: undefined, missing: m.missing }, null, 1) + '\n');
      else {
        process.stdout.write(formatSummaryTable(m.result as Parameters<typeof formatSummaryTable>[0]) + '\n\n');
        process.stdout.write(
          `${m.result.rows.length} runs merged from ${m.shardFiles.length} shard file(s)${m.missing.length ? `, ${m.missing.length} missing` : ''}.\n`,
        );
        process.stdout.write(`Report: ${m.files.html}\nTable:  ${m.files.csv}\n`);
      }
    }
    return m.missing.length ? 1 : 0;
  },
};
