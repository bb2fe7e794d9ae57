import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  figureHtml,
  writeFigureHtml,
  plotlyBundle,
  FIGURE_CLASS,
  show,
  recordMetric,
  quickMode,
  QUICK_ENV,
  METRIC_MIME,
  useDisplaySink,
  MimeBundle,
  progress,
  liveCurve,
  curveFigure,
  Figure,
} from '../src/plot';
import { expectError, tmpDir } from './helpers';

const fig: Figure = { data: [{ type: 'bar', x: ['a', 'b'], y: [1, 2] }], layout: { title: { text: 'A </script> test' } } };
const PLOTLY_MARK = 'window.Plotly = Plotly';

interface Sent {
  data: MimeBundle;
  id?: string;
  update: boolean;
}
function captureSink(): Sent[] {
  const sent: Sent[] = [];
  useDisplaySink({ send: (data, id, update) => sent.push({ data, id, update }) });
  return sent;
}

describe('plot: offline HTML', () => {
  it('inlines the plotly bundle once, escapes </script>, and needs no network', () => {
    const bundle = plotlyBundle();
    assert.ok(bundle.length > 500_000 && bundle.length < 5_000_000, `bundle is ${bundle.length} chars`);
    const html = figureHtml(fig);
    assert.ok(html.includes(PLOTLY_MARK));
    assert.ok(html.includes(`class="${FIGURE_CLASS}"`));
    assert.ok(!/<script[^>]+src=/.test(html), 'no external scripts');
    // The figure JSON must not end the script element early.
    assert.strictEqual(html.split('</script>').length - 1, 2, 'exactly the loader and the draw script close');
    assert.ok(html.includes('if (!window.Plotly)'), 'loads plotly only when missing');
  });

  it("'reuse' leaves the bundle out (a few KB per chart)", () => {
    const html = figureHtml(fig, { plotly: 'reuse' });
    assert.ok(!html.includes(PLOTLY_MARK));
    assert.ok(html.length < 5000, `reuse chart is ${html.length} chars`);
  });

  it('rejects what is not a figure, naming the fix', async () => {
    await expectError(() => figureHtml({} as Figure), /expected a plotly Figure/, /Fix/);
    await expectError(() => figureHtml(fig, { plotly: 'cdn' as 'inline' }), /'inline' or 'reuse'/);
  });

  it('writeFigureHtml writes a standalone page atomically, plotly once for several figures', () => {
    const dir = tmpDir();
    const file = writeFigureHtml(path.join(dir, 'sub', 'two.html'), [fig, fig], { title: 'Two <charts>' });
    const page = fs.readFileSync(file, 'utf8');
    assert.ok(page.startsWith('<!DOCTYPE html>'));
    assert.strictEqual(page.split(PLOTLY_MARK).length - 1, 1);
    assert.strictEqual(page.split(`class="${FIGURE_CLASS}"`).length - 1, 2);
    assert.ok(page.includes('<title>Two &lt;charts&gt;</title>'));
    assert.deepStrictEqual(fs.readdirSync(path.dirname(file)), ['two.html'], 'no temp file left');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('plot: notebook display', () => {
  afterEach(() => useDisplaySink(undefined));

  it('show() sends html + text, with plotly in the first chart of the session only', () => {
    const sent = captureSink();
    show(fig);
    show(fig);
    assert.strictEqual(sent.length, 2);
    assert.ok((sent[0].data['text/html'] as string).includes(PLOTLY_MARK));
    assert.ok(!(sent[1].data['text/html'] as string).includes(PLOTLY_MARK));
    assert.match(sent[0].data['text/plain'] as string, /plotly chart: A <\/script> test/);
    useDisplaySink(null);
  });

  it('show() outside a kernel displays nothing and returns nothing', () => {
    useDisplaySink(null);
    const log = console.log;
    const lines: string[] = [];
    console.log = (s: string) => lines.push(s);
    try {
      assert.strictEqual(show(fig), undefined);
    } finally {
      console.log = log;
    }
    assert.ok(lines.length <= 1);
  });

  it('recordMetric sends the metric mime type and readable text; rejects bad input', async () => {
    const sent = captureSink();
    recordMetric('test_accuracy', 0.91);
    assert.deepStrictEqual(sent[0].data[METRIC_MIME], { name: 'test_accuracy', value: 0.91 });
    assert.strictEqual(sent[0].data['text/plain'], 'metric test_accuracy = 0.91');
    await expectError(() => recordMetric('test accuracy', 1), /plain identifier/);
    await expectError(() => recordMetric('acc', NaN), /finite number/, /dataSync/);
  });

  it('quickMode follows TRANSFER_LAB_QUICK', () => {
    const old = process.env[QUICK_ENV];
    try {
      process.env[QUICK_ENV] = '1';
      assert.strictEqual(quickMode(), true);
      process.env[QUICK_ENV] = '0';
      assert.strictEqual(quickMode(), false);
    } finally {
      if (old === undefined) delete process.env[QUICK_ENV];
      else process.env[QUICK_ENV] = old;
    }
  });
});

describe('plot: live displays', () => {
  afterEach(() => useDisplaySink(undefined));

  it('progress updates one display in place, throttled, and always sends the final state', () => {
    const sent = captureSink();
    const bar = progress(1000, 'work', { intervalMs: 60_000 });
    for (let i = 1; i <= 1000; i++) bar.update(i, `step ${i}`);
    bar.done();
    assert.strictEqual(sent.length, 2, 'first update + final state (the rest throttled)');
    assert.deepStrictEqual(
      sent.map((s) => s.update),
      [false, true],
    );
    assert.strictEqual(sent[0].id, sent[1].id);
    assert.match(sent[1].data['text/plain'] as string, /1000\/1000 \(100%\).*step 1000/);
    assert.match(sent[1].data['text/html'] as string, /width:100\.0%/);
  });

  it('progress rejects a non-positive total', async () => {
    await expectError(() => progress(0), /positive number/);
  });

  it('liveCurve sends light SVG updates, then the final interactive chart in the same display', () => {
    const sent = captureSink();
    const curve = liveCurve({ title: 'toy', intervalMs: 0 });
    for (let e = 1; e <= 5; e++) curve.push({ step: e, loss: 1 / e, acc: 1 - 1 / (e + 1) });
    curve.mark(3, 'unfreeze');
    const out = curve.finish();
    assert.strictEqual(sent.length, 7);
    assert.ok(sent.slice(0, 6).every((s) => (s.data['text/html'] as string).includes('<svg') && (s.data['text/html'] as string).length < 20_000));
    assert.ok(sent.every((s) => s.id === sent[0].id));
    const last = sent[6].data['text/html'] as string;
    assert.ok(last.includes(`class="${FIGURE_CLASS}"`) && last.includes(PLOTLY_MARK));
    assert.deepStrictEqual(
      out.data.map((t) => t.name),
      ['loss', 'acc'],
    );
    assert.strictEqual((out.layout?.shapes as unknown[]).length, 2, 'the mark in both panels');
    assert.strictEqual(curve.finish(), out, 'finish() twice returns the same figure');
    assert.throws(() => curve.push({ step: 6, loss: 0.1 }), /after finish\(\)/);
  });

  it('liveCurve throttles pushes', () => {
    const sent = captureSink();
    const curve = liveCurve({ intervalMs: 60_000 });
    for (let e = 1; e <= 100; e++) curve.push({ step: e, loss: 1 / e });
    curve.finish();
    assert.strictEqual(sent.length, 2);
  });

  it('liveCurve outside a notebook only collects points; push needs a step', async () => {
    useDisplaySink(null);
    const curve = liveCurve();
    curve.push({ step: 1, loss: 0.5 });
    assert.strictEqual(curve.points.length, 1);
    await expectError(() => curve.push({ loss: 0.5 } as never), /numeric 'step'/);
    assert.strictEqual(curve.finish().data.length, 1);
  });

  it('curveFigure puts accuracy metrics in their own panel', () => {
    const f = curveFigure([{ step: 1, loss: 0.9, val_loss: 1, val_acc: 0.5 }]);
    assert.deepStrictEqual(
      f.data.map((t) => t.yaxis),
      ['y', 'y', 'y2'],
    );
    const single = curveFigure([{ step: 1, loss: 0.9 }]);
    assert.strictEqual(single.layout?.xaxis2, undefined);
  });
});
