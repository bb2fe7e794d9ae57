/**
 * "What you pretrain on matters" (issue 17): a config's `sources` run on its own split,
 * sizes and seeds, and `joinSources` / `formatSourcesTable` / `sourcesChart` show both
 * sources in one table and one chart. Quick: two bundled small CNNs as the sources
 * (fashion-a-cnn here, fashion-cnn through fashion-to-digits), one size, one seed.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../src/backend';
import { compare, CompareConfig } from '../src/experiment/compare';
import { experimentConfig, EXPERIMENTS } from '../src/experiment/experiments';
import { resolveConfig } from '../src/experiment/config';
import { runHash } from '../src/experiment/sweep';
import { runSources, sourceConfigs, joinSources, formatSourcesTable, sourcesChart } from '../src/experiment/sources';
import { bestPerSize } from '../src/experiment/report';
import { tmpDir } from './helpers';

describe('sources: one chart and table of several source backbones on one target', function () {
  this.timeout(300000);

  it('bestPerSize (the "best per size" lines of both reports): highest mean per size, first of equals, sizes without cells left out', () => {
    const cell = (size: number, strategy: string, mean: number) => ({ size, strategy, accuracy: { mean } });
    const cells = [cell(1, 'scratch', 0.4), cell(1, 'probe', 0.6), cell(1, 'head', 0.6), cell(5, 'scratch', 0.8), cell(5, 'probe', 0.7)];
    const best = bestPerSize(cells, [1, 5, 20]);
    assert.deepStrictEqual(
      [...best.entries()].map(([k, c]) => [k, c.strategy]),
      [
        [1, 'probe'],
        [5, 'scratch'],
      ],
    );
  });

  it('imagenet-to-digits lists fashion-to-digits, run on its own split (the same run hashes in full mode)', () => {
    const [fashion] = sourceConfigs(experimentConfig('imagenet-to-digits'));
    assert.strictEqual(fashion.backbone, 'fashion-cnn');
    const own = resolveConfig(EXPERIMENTS['fashion-to-digits']);
    for (const s of own.strategies) assert.strictEqual(runHash(resolveConfig(fashion), s, 'h'), runHash(own, s, 'h'), s);
    const [quick] = sourceConfigs(experimentConfig('imagenet-to-digits', { quick: true }), { quick: true });
    const lite = resolveConfig(experimentConfig('imagenet-to-digits', { quick: true }));
    assert.deepStrictEqual(
      [quick.name, quick.sizes, quick.seeds, quick.testSize, quick.validationSize],
      ['fashion-to-digits-quick', lite.sizes, lite.seeds, lite.testSize, lite.validationSize],
    );
  });

  it('runSources joins both sources: table, chart and files have the rows of both; no tensors left', async () => {
    const reports = tmpDir('sources-');
    const config: CompareConfig = {
      ...experimentConfig('fashion-to-digits', { quick: true }),
      name: 'fashion-a-to-digits-quick',
      backbone: 'fashion-a-cnn',
      strategies: ['linear-probe', 'head'],
      sizes: [2],
      seeds: [0],
      testSize: 100,
      validationSize: 50,
      sources: [{ experiment: 'fashion-to-digits', label: 'fashion-cnn', strategies: ['linear-probe', 'scratch'] }],
    };
    const before = tf.memory().numTensors;
    const own = await compare(config, { outDir: path.join(reports, config.name) });
    const { comparison, html, json } = await runSources(config, own, { reportsDir: reports, quick: true });
    assert.strictEqual(tf.memory().numTensors, before);
    assert.deepStrictEqual(comparison.sources, ['fashion-a-cnn', 'fashion-cnn']);
    assert.deepStrictEqual(
      comparison.cells.map((c) => `${c.source}: ${c.strategy} ${c.size}`),
      ['fashion-a-cnn: linear-probe 2', 'fashion-a-cnn: head 2', 'fashion-cnn: scratch 2', 'fashion-cnn: linear-probe 2'],
    );
    // Same split and seed: both sources trained on the same 20 digits and were scored on the same 100.
    assert.deepStrictEqual([...new Set(comparison.rows.map((r) => `${r.trainImages}/${r.predictions.length}`))], ['20/100']);
    const table = formatSourcesTable(comparison);
    console.log(table.replace(/^/gm, '      '));
    for (const line of ['fashion-a-cnn  linear-probe', 'fashion-a-cnn  head', 'fashion-cnn    scratch', 'fashion-cnn    linear-probe'])
      assert.ok(table.includes(line), `table has '${line}'`);
    const names = sourcesChart(comparison)
      .data.filter((t) => t.mode === 'lines+markers')
      .map((t) => t.name);
    assert.deepStrictEqual(names, ['fashion-a-cnn: linear-probe', 'fashion-a-cnn: head', 'fashion-cnn: scratch', 'fashion-cnn: linear-probe']);
    assert.ok(fs.readFileSync(html, 'utf8').includes('fashion-cnn: scratch'));
    assert.strictEqual((JSON.parse(fs.readFileSync(json, 'utf8')) as { cells: unknown[] }).cells.length, 4);
    assert.ok(fs.existsSync(path.join(reports, config.name, 'sources', 'fashion-to-digits-quick', 'runs.jsonl')));
    // A second source on another split is refused.
    assert.throws(
      () =>
        joinSources([
          { source: 'a', result: own },
          { source: 'b', result: { ...own, resolved: { ...own.resolved, splitSeed: 1 } } },
        ]),
      /not on the same target split .* splitSeed 1 vs 0/,
    );
  });
});
