import * as assert from 'assert';
import { toyImages, tinyNet } from './fixtures';
import { expectError, expectNoLeakedTensors } from './helpers';
import { imageSource } from '../src/train/source';
import { train } from '../src/train/loop';
import { fineTune } from '../src/transfer/finetune';
import { resolveVerbose, withVerbose, VERBOSE_ENV } from '../src/train/progress';
import { useDisplaySink, MimeBundle } from '../src/plot/notebook';
import { progress, progressOpen, liveCurve } from '../src/plot/live';

/** A stream that keeps what is written. */
function collector(): { write(s: string): void; text: string } {
  return {
    text: '',
    write(s: string) {
      this.text += s;
    },
  };
}

describe('progress by default (issue 20 item 2)', () => {
  afterEach(() => useDisplaySink(undefined));

  it('is silent under mocha: train() and fineTune() write nothing and display nothing without verbose', async () => {
    assert.strictEqual(process.env[VERBOSE_ENV], undefined, 'this test assumes TRANSFER_LAB_VERBOSE is unset');
    assert.strictEqual(resolveVerbose(undefined), 0);
    const out = collector();
    const net = tinyNet(3, 0);
    const src = imageSource(toyImages(32, 3, 1), net.preprocessing);
    await train(net, src, { epochs: 2, batchSize: 16, progressTo: out });
    await fineTune(net, src, { headEpochs: 1, epochs: 1, batchSize: 16, progressTo: out });
    assert.strictEqual(out.text, '');
  });

  it('verbose 1 outside a notebook prints one line per epoch (loss, accuracy, validation, lr) to the given stream, no leaks', async () => {
    useDisplaySink(null);
    const out = collector();
    const net = tinyNet(3, 0);
    const src = imageSource(toyImages(32, 3, 1), net.preprocessing);
    const val = imageSource(toyImages(12, 3, 2), net.preprocessing);
    const h = await expectNoLeakedTensors(
      () => train(net, src, { epochs: 3, batchSize: 16, validation: val, verbose: 1, progressTo: out }),
      'train with verbose 1',
    );
    const lines = out.text.trimEnd().split('\n');
    assert.strictEqual(lines.length, 3, out.text);
    lines.forEach((l, i) => {
      assert.match(
        l,
        new RegExp(`^epoch ${i + 1}/3  loss \\d\\.\\d{4}  acc \\d\\.\\d{4}  val_loss \\d\\.\\d{4}  val_acc \\d\\.\\d{4}  lr \\d\\.\\d{2}e-3  \\d+\\.\\d s$`),
      );
      assert.ok(l.includes(`loss ${h.epochs[i].loss.toFixed(4)}`) && l.includes(`val_acc ${h.epochs[i].valAcc!.toFixed(4)}`), l);
    });
    // the verbs on train() pass it through; the epoch numbers continue across stages
    const out2 = collector();
    await fineTune(net, src, { headEpochs: 1, epochs: 2, batchSize: 16, verbose: 2, progressTo: out2 });
    assert.deepStrictEqual(
      out2.text
        .trimEnd()
        .split('\n')
        .map((l) => l.split('  ')[0]),
      ['epoch 1/1', 'epoch 2/3', 'epoch 3/3'],
    );
  });

  it('in a notebook (a display sink) shows one throttled live bar per call, settled on the last epoch; quiet inside an outer bar or withVerbose(0)', async () => {
    const sent: { data: MimeBundle; id?: string; update: boolean }[] = [];
    useDisplaySink({ send: (data, id, update) => sent.push({ data, id, update }) });
    assert.strictEqual(resolveVerbose(undefined), 1, 'a display sink means a notebook');
    const net = tinyNet(3, 0);
    const src = imageSource(toyImages(64, 3, 1), net.preprocessing);
    const out = collector();
    await expectNoLeakedTensors(() => train(net, src, { epochs: 2, batchSize: 8, progressTo: out }), 'train with a live bar');
    assert.strictEqual(out.text, '', 'no epoch lines in notebook mode');
    const ids = new Set(sent.map((s) => s.id));
    assert.strictEqual(ids.size, 1, 'one display, updated in place');
    assert.ok(sent.length >= 2 && sent.length < 16, `throttled: ${sent.length} messages for 16 batches`);
    assert.strictEqual(sent[0].update, false);
    const last = String(sent[sent.length - 1].data['text/plain']);
    assert.match(last, /training: 16\/16 \(100%\).*epoch 2\/2 {2}loss \d\.\d{4} {2}acc/);
    assert.strictEqual(progressOpen(), false, 'the bar is closed');

    sent.length = 0;
    await withVerbose(0, () => train(net, src, { epochs: 1, batchSize: 8 }));
    assert.strictEqual(sent.length, 0, 'withVerbose(0)');
    const outer = progress(2, 'runs');
    sent.length = 0;
    await train(net, src, { epochs: 1, batchSize: 8 });
    assert.strictEqual(sent.length, 0, 'inside an outer bar');
    outer.done();
    assert.strictEqual(progressOpen(), false);
    // explicit verbose wins over the scope; 2 prints lines even in a notebook
    const out2 = collector();
    await withVerbose(0, () => train(net, src, { epochs: 1, batchSize: 8, verbose: 2, progressTo: out2 }));
    assert.match(out2.text, /^epoch 1\/1 {2}loss/);
  });

  it('a live curve is a training callback (no onEpoch boilerplate)', async () => {
    useDisplaySink(null);
    const net = tinyNet(3, 0);
    const src = imageSource(toyImages(32, 3, 1), net.preprocessing);
    const curve = liveCurve({ metrics: ['loss', 'val_loss', 'acc', 'val_acc'] });
    const h = await train(net, src, { epochs: 2, batchSize: 16, validation: src, callbacks: [curve] });
    assert.deepStrictEqual(
      curve.points.map((p) => [p.step, p.loss, p.val_acc]),
      h.epochs.map((e) => [e.epoch + 1, e.loss, e.valAcc]),
    );
    assert.strictEqual(curve.finish().data.length, 4);
  });

  it('a run that fails closes its bar (later runs are not silenced)', async () => {
    useDisplaySink({ send: () => undefined });
    const net = tinyNet(3, 0);
    const src = imageSource(toyImages(32, 3, 1), net.preprocessing);
    await expectError(
      () =>
        train(net, src, {
          epochs: 1,
          batchSize: 16,
          callbacks: [
            {
              onBatchEnd: () => {
                throw new Error('boom');
              },
            },
          ],
        }),
      /boom/,
    );
    assert.strictEqual(progressOpen(), false);
  });

  it('bad verbose values and streams are named', async () => {
    const net = tinyNet(3, 0);
    const src = imageSource(toyImages(16, 3, 1), net.preprocessing);
    await expectError(() => train(net, src, { verbose: 3 as 1 }), /verbose must be 0 \(silent\), 1 .* or 2/, /Fix:/);
    await expectError(() => train(net, src, { progressTo: {} as never }), /progressTo must have a write\(text\) method/, /Fix:/);
    await expectError(() => withVerbose(5 as 0, () => 1), /withVerbose: verbose must be/);
    await expectError(() => withVerbose(0, 'x' as never), /expected a function/);
  });
});
