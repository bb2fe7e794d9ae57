/**
 * The static page `exportWeb` writes next to the model: index.html and app.js, which load
 * the local copy of @tensorflow/tfjs (tf.min.js, no CDN), the model (model/model.json) and
 * net.json (class names, preprocessing), then classify a picked image file or a drawing.
 * Kept as strings so that the compiled library carries them (tsc copies no other files).
 *
 * The preprocessing repeats the library's (`decodeResized` + `imageSource`): pixels as
 * float, bilinear resize to the input size (tf.image.resizeBilinear, as in Node), mean of
 * RGB for grayscale nets, rounded and clipped to 0-255, then / 255 and (x - mean) / std.
 * Class names are shown with textContent, never as markup.
 */

/** index.html: a file picker, a drawing canvas, and the result list. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>transfer-lab classifier</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 46rem; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.4rem; margin-bottom: .2rem; }
  .sub { color: #666; margin-top: 0; }
  .row { display: flex; gap: 2rem; flex-wrap: wrap; align-items: flex-start; }
  canvas { border: 1px solid #999; touch-action: none; }
  #draw { background: #000; cursor: crosshair; }
  #preview { image-rendering: pixelated; width: 112px; height: 112px; }
  ol { padding-left: 1.4rem; }
  li.top { font-weight: bold; }
  #status { color: #666; min-height: 1.2em; }
  button, input { font: inherit; }
</style>
</head>
<body>
<h1 id="title">transfer-lab classifier</h1>
<p class="sub" id="about">Loading the model…</p>
<div class="row">
  <section>
    <h2>Pick an image</h2>
    <input type="file" id="file" accept="image/*">
  </section>
  <section>
    <h2>Or draw</h2>
    <canvas id="draw" width="224" height="224"></canvas><br>
    <button id="clear" type="button">Clear</button>
    <button id="classify-drawing" type="button">Classify drawing</button>
  </section>
</div>
<h2>Prediction</h2>
<div class="row">
  <canvas id="preview" width="28" height="28" title="what the model sees"></canvas>
  <div>
    <p id="status"></p>
    <p>Class: <strong id="predicted-class" data-ready="false"></strong></p>
    <ol id="scores"></ol>
  </div>
</div>
<script src="tf.min.js"></script>
<script src="app.js"></script>
</body>
</html>
`;

/** app.js: loading, preprocessing and prediction in the browser. */
export const PAGE_JS = `'use strict';
(async function main() {
  const $ = (id) => document.getElementById(id);
  const status = (s) => { $('status').textContent = s; };
  let net, model;
  try {
    net = await (await fetch('net.json')).json();
    model = await tf.loadLayersModel('model/model.json');
  } catch (e) {
    $('about').textContent = 'Could not load the model: ' + e.message + '. Serve this folder over http (e.g. python3 -m http.server) instead of opening the file directly.';
    throw e;
  }
  const pre = net.preprocessing;
  const mean = pre.mean === undefined ? 0 : pre.mean;
  const std = pre.std === undefined ? 1 : pre.std;
  $('title').textContent = net.title;
  $('about').textContent = net.classNames.length + ' classes, ' + pre.height + 'x' + pre.width + 'x' + pre.channels + ' inputs (from ' + net.origin + ')';
  const preview = $('preview');
  preview.width = pre.width;
  preview.height = pre.height;

  /** RGB pixels (int32 [h, w, 3]) -> the model's input batch [1, height, width, channels]. */
  function toInput(rgb) {
    return tf.tidy(() => {
      let x = tf.cast(rgb, 'float32');
      if (x.shape[0] !== pre.height || x.shape[1] !== pre.width) x = tf.image.resizeBilinear(x, [pre.height, pre.width]);
      if (pre.channels === 1) x = tf.mean(x, 2, true);
      x = tf.clipByValue(tf.round(x), 0, 255);
      const shown = pre.channels === 1 ? tf.tile(x, [1, 1, 3]) : x;
      tf.browser.toPixels(tf.cast(shown, 'int32'), preview);
      return tf.div(tf.sub(tf.div(x, 255), mean), std).expandDims(0);
    });
  }

  async function classify(source, what) {
    const probs = tf.tidy(() => {
      const rgb = tf.browser.fromPixels(source, 3);
      return model.predict(toInput(rgb)).squeeze();
    });
    const p = Array.from(await probs.data());
    probs.dispose();
    const order = p.map((v, i) => i).sort((a, b) => p[b] - p[a]);
    const best = order[0];
    const out = $('predicted-class');
    out.textContent = net.classNames[best];
    out.dataset.label = String(best);
    out.dataset.probs = JSON.stringify(p);
    out.dataset.ready = 'true';
    const list = $('scores');
    list.replaceChildren();
    for (const i of order.slice(0, Math.min(5, order.length))) {
      const li = document.createElement('li');
      li.textContent = net.classNames[i] + ': ' + (100 * p[i]).toFixed(1) + '%';
      if (i === best) li.className = 'top';
      list.appendChild(li);
    }
    status('classified ' + what);
  }

  $('file').addEventListener('change', async (ev) => {
    const f = ev.target.files && ev.target.files[0];
    if (!f) return;
    $('predicted-class').dataset.ready = 'false';
    const img = await createImageBitmap(f, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    await classify(img, f.name);
  });

  const draw = $('draw');
  const ctx = draw.getContext('2d');
  const clear = () => { ctx.fillStyle = '#000'; ctx.fillRect(0, 0, draw.width, draw.height); };
  clear();
  let down = false;
  const at = (e) => { const r = draw.getBoundingClientRect(); return [(e.clientX - r.left) * draw.width / r.width, (e.clientY - r.top) * draw.height / r.height]; };
  draw.addEventListener('pointerdown', (e) => { down = true; ctx.beginPath(); ctx.moveTo(...at(e)); });
  draw.addEventListener('pointermove', (e) => {
    if (!down) return;
    ctx.lineTo(...at(e)); ctx.strokeStyle = '#fff'; ctx.lineWidth = draw.width / 12; ctx.lineCap = 'round'; ctx.lineJoin = 'round'; ctx.stroke();
  });
  const up = () => { if (down) { down = false; classify(draw, 'the drawing'); } };
  draw.addEventListener('pointerup', up);
  draw.addEventListener('pointerleave', up);
  $('clear').addEventListener('click', clear);
  $('classify-drawing').addEventListener('click', () => classify(draw, 'the drawing'));
  document.body.dataset.modelReady = 'true';
  status('ready: pick an image or draw');
})();
`;
