import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { expectError, expectNoLeakedTensors, tmpDir } from './helpers';
import { makeImageFolder } from '../src/data/make-folder';
import { runSweep } from '../src/experiment/sweep';
import { writeReport } from '../src/experiment/report';
import { loadImageFolderTask, readLabelledTexts, loadTextFileTask } from '../src/experiment/own-data';
import { resolveConfig } from '../src/experiment/config';
import { ExperimentConfig } from '../src/experiment/results';

const ROOT = path.resolve(__dirname, '..');
const NAMES = ['<b>bold & "co"', "café crème l'été", 'x y'];

describe('experiments on your own data (issue 20 item 8)', () => {
  let root: string;
  let folder: string;
  const config = (name: string): ExperimentConfig => ({
    name,
    backbone: 'fashion-cnn',
    task: { dataset: 'image-folder', path: folder, height: 32, width: 32 } as ExperimentConfig['task'],
    strategies: ['linear-probe', 'head'],
    sizes: [4],
    seeds: [0],
    testSize: 30,
    validationSize: 12,
    epochs: 4,
    curvePoints: 1,
    projectionPoints: 0,
  });

  before(() => {
    root = tmpDir('tl-own-data-');
    const made = makeImageFolder({ source: 'mnist', classes: [0, 1, 7], perClass: 16, seed: 0, dir: path.join(root, 'made'), sizeRange: [24, 40] });
    folder = path.join(root, 'my photos');
    fs.mkdirSync(folder);
    made.classNames.forEach((c, i) => fs.renameSync(path.join(made.dir, c), path.join(folder, NAMES[i])));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('an image folder whose class names hold HTML characters, spaces and accents runs through runSweep; the report shows them as text', async () => {
    const result = await expectNoLeakedTensors(
      () => runSweep(config('own-folder'), { outDir: path.join(root, 'reports', 'own-folder') }),
      'runSweep on an image folder',
    );
    assert.deepStrictEqual(result.task.classNames, [...NAMES].sort());
    assert.strictEqual(result.rows.length, 2);
    const best = Math.max(...result.rows.map((r) => r.accuracy));
    assert.ok(best > 1 / 3, `best accuracy ${best} is not above chance (1/3)`);
    const files = writeReport(result, { reportsDir: path.join(root, 'reports') });
    const html = fs.readFileSync(files.html, 'utf8');
    // The markup of a class name never appears as markup outside the plotly data (JSON in a script).
    const outsideScripts = html.replace(/<script[\s\S]*?<\/script>/g, '');
    assert.ok(!outsideScripts.includes('<b>bold'), 'a class name was injected as HTML');
    assert.ok(html.includes('café crème'), 'non-ASCII kept');
    // In the charts, class names are data strings, and plotly's own markup is escaped so it shows as text.
    const scripts = [...html.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
    assert.ok(!scripts.includes('<b>bold'), 'plotly gets the class name with its markup escaped (it renders <b> in labels otherwise)');
    assert.ok(scripts.includes('&lt;b&gt;bold'), 'the class name is in the chart data');
  });

  it('the same from the command line: node dist/cli.js run my.json --quick', () => {
    const file = path.join(root, 'my.json');
    fs.writeFileSync(file, JSON.stringify({ ...config('own-cli'), strategies: ['head'] }));
    const out = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'run', file, '--quick', '--reports-dir', path.join(root, 'cli-reports')], {
      encoding: 'utf8',
      cwd: root,
      env: { ...process.env, TRANSFER_LAB_VERBOSE: '' },
    });
    assert.strictEqual(out.status, 0, out.stderr);
    assert.match(out.stderr, /\[1\/\d+\] head 1\/class seed 0 \(\d+ epochs\) \.\.\. test acc/);
    assert.match(out.stdout, /head/);
    assert.ok(fs.existsSync(path.join(root, 'cli-reports', 'own-cli-quick', 'index.html')));
  });

  it('bad input: missing folder, one class, too few images, unreadable image, a config without path', async () => {
    await expectError(() => loadImageFolderTask({ dataset: 'image-folder', path: path.join(root, 'nowhere') }), /nowhere: image folder not found/, /Fix:/);
    const one = path.join(root, 'one');
    fs.mkdirSync(path.join(one, 'only'), { recursive: true });
    for (const f of fs.readdirSync(path.join(folder, NAMES[2])).slice(0, 4)) fs.copyFileSync(path.join(folder, NAMES[2], f), path.join(one, 'only', f));
    await expectError(
      () => loadImageFolderTask({ dataset: 'image-folder', path: one }),
      /only 1 class \('only'\): a classifier needs at least 2/,
      /Fix: add a class/,
    );
    fs.mkdirSync(path.join(one, 'two'));
    fs.copyFileSync(path.join(one, 'only', fs.readdirSync(path.join(one, 'only'))[0]), path.join(one, 'two', 'a.png'));
    await expectError(() => loadImageFolderTask({ dataset: 'image-folder', path: one }), /class 'two' has 1 images: at least 3 per class/, /Fix:/);
    fs.writeFileSync(path.join(one, 'two', 'b.png'), 'not a png');
    await expectError(
      () => loadImageFolderTask({ dataset: 'image-folder', path: one }),
      /b\.png: cannot be read as an image/,
      /Fix: delete or replace the file/,
    );
    await expectError(
      () => resolveConfig({ ...config('x'), task: { dataset: 'image-folder' } as ExperimentConfig['task'] }),
      /a image-folder task needs "path"/,
      /Fix: set task\.path/,
    );
    await expectError(
      () => resolveConfig({ ...config('x'), task: { dataset: 'image-folder', path: folder, test: 0.9 } as ExperimentConfig['task'] }),
      /task\.test must be a fraction in \(0, 0\.5\), got 0\.9/,
    );
  });

  it('a labelled text file: TSV and CSV read, split per class; malformed lines, unreadable and empty files named', async () => {
    const tsv = path.join(root, 'reviews.tsv');
    const lines = ['# label<TAB>text', ...Array.from({ length: 12 }, (_, i) => `${i % 2 ? 'pos' : '<neg> & co'}\ttext number ${i}\twith a tab`), ''];
    fs.writeFileSync(tsv, lines.join('\n'));
    const ds = readLabelledTexts(tsv);
    assert.deepStrictEqual(ds.classNames, ['<neg> & co', 'pos']);
    assert.strictEqual(ds.count, 12);
    assert.strictEqual(ds.texts[1], 'text number 1\twith a tab');
    const task = loadTextFileTask({ dataset: 'text-file', path: tsv }, { testSize: 4, validationSize: 2 });
    assert.strictEqual(task.test.count + task.validation.count + task.pool.count <= 12, true);
    assert.ok(task.pool.count >= 6);
    const csv = path.join(root, 'r.csv');
    fs.writeFileSync(csv, 'a,"one, two ""three"""\nb,four\n');
    assert.deepStrictEqual(readLabelledTexts(csv).texts, ['one, two "three"', 'four']);
    fs.writeFileSync(tsv, 'pos\tfine\nno tab on this line\n');
    await expectError(
      () => readLabelledTexts(tsv),
      /reviews\.tsv, line 2: expected 'label<TAB>text', got "no tab on this line" \(no a tab\)/,
      /Fix: write one example per line/,
    );
    fs.writeFileSync(tsv, 'pos\t  \n');
    await expectError(() => readLabelledTexts(tsv), /line 1: .*\(an empty text\)/);
    await expectError(() => readLabelledTexts(path.join(root, 'missing.tsv')), /missing\.tsv: cannot read the text file/, /Fix: check the path/);
    fs.writeFileSync(tsv, '# nothing\n\n');
    await expectError(() => readLabelledTexts(tsv), /no examples/);
    fs.writeFileSync(tsv, 'pos\ta\npos\tb\npos\tc\n');
    await expectError(() => loadTextFileTask({ dataset: 'text-file', path: tsv }), /only 1 class \('pos'\)/);
  });
});
