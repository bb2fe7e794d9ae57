"""Profile a compiled graph of the library outside Node, in the same TensorFlow (the .venv
wheel whose libtensorflow tfjs-node loads): time session runs under a chosen session
config, then one traced run (RunMetadata step stats) summed by op type and by node, and
the op types of the graph TensorFlow actually ran (after Grappler and the oneDNN rewrite).

    TRANSFER_LAB_GRAPH_DUMP=/tmp/g npx tsx bench/profile/text-step.ts 1 1
    .venv/bin/python bench/profile/graph_stats.py /tmp/g/tl1.pb [--inter 1] [--intra 2] [--runs 10]

Feeds: `x` the text bench's token ids (batch 16, length 64, as src/bench/text.ts), `y`
labels, `lr*` 2e-5, `mask*` dropout keep flags at 0.9, `init_*` weights (normal, 0.05).
"""
import argparse
import collections
import os
import sys
import time


FUSIBLE = ["Mul", "AddV2", "Sub", "RealDiv", "Erf", "Exp", "Square", "Neg", "Cast", "Sum", "Mean", "Rsqrt", "RsqrtGrad",
           "Maximum", "Sqrt", "Select", "GreaterEqual", "LessEqual", "LogicalAnd", "ZerosLike", "AddN", "Const", "BiasAddGrad",
           "Softmax", "Reshape", "ExpandDims", "Pad", "Transpose"]


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("graph")
    p.add_argument("--inter", type=int, default=0)
    p.add_argument("--intra", type=int, default=0)
    p.add_argument("--runs", type=int, default=8)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--onednn", default="1")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--no-trace", action="store_true")
    p.add_argument("--rewrite-off", default="", help="comma-separated RewriterConfig fields to turn OFF, e.g. remapping,arithmetic_optimization")
    p.add_argument("--traces", type=int, default=3, help="traced runs; each node's time is its minimum over them")
    p.add_argument("--ab", action="store_true", help="alternate runs of the graph unmarked (A) and marked per --xla (B) in one process")
    p.add_argument("--xla", default="", help="comma-separated op types to mark for XLA (_XlaCompile), or 'fusible'")
    a = p.parse_args(argv)
    os.environ["TF_ENABLE_ONEDNN_OPTS"] = a.onednn
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np
    import tensorflow as tf
    from tensorflow.core.protobuf import saved_model_pb2, rewriter_config_pb2

    sm = saved_model_pb2.SavedModel()
    with open(a.graph, "rb") as f:
        sm.ParseFromString(f.read())
    gd = sm.meta_graphs[0].graph_def

    def session(gd, xla):
        if xla:
            gd = type(gd).FromString(gd.SerializeToString())
            mark = set(FUSIBLE if xla == "fusible" else xla.split(","))
            n_marked = 0
            for n in gd.node:
                if n.op in mark:
                    n.attr["_XlaCompile"].b = True
                    n.attr["_XlaScope"].s = b"fused"
                    n_marked += 1
            print(f"marked {n_marked} nodes for XLA")
        g = tf.Graph()
        with g.as_default():
            tf.compat.v1.import_graph_def(gd, name="")
        cfg = tf.compat.v1.ConfigProto(inter_op_parallelism_threads=a.inter, intra_op_parallelism_threads=a.intra)
        for field in filter(None, a.rewrite_off.split(",")):
            setattr(cfg.graph_options.rewrite_options, field, rewriter_config_pb2.RewriterConfig.OFF)
        return tf.compat.v1.Session(graph=g, config=cfg)

    sessions = [session(gd, "")] if a.ab else []
    sessions.append(session(gd, a.xla))
    rng = np.random.default_rng(0)
    phs = {n.name: n for n in gd.node if n.op == "Placeholder"}
    names = {n.name for n in gd.node}

    def shape_of(n):
        return [d.size for d in n.attr["shape"].shape.dim]

    init = {f"{k}:0": (rng.standard_normal(shape_of(n)) * 0.05).astype(np.float32) for k, n in phs.items() if k.startswith("init_")}
    for sess in sessions:
        sess.run([t for t in ["weights_done:0", "fresh_done:0"] if t.split(":")[0] in names], init)
    b, length = a.batch, shape_of(phs["x"])[1]
    ids = np.zeros((b, length), np.int32)
    for i in range(b):
        ln = min(length, 16 + (37 * i) % 49)
        ids[i, 0] = 101
        for t in range(1, ln - 1):
            ids[i, t] = 1000 + (131 * i + 17 * t) % 28000
        ids[i, ln - 1] = 102
    feeds = {"x:0": ids if phs["x"].attr["dtype"].type == 3 else ids.astype(np.float32)}
    for k, n in phs.items():
        if k == "y":
            feeds["y:0"] = (np.arange(b) % 6).astype(np.int32)
        elif k.startswith("lr"):
            feeds[f"{k}:0"] = np.float32(2e-5)
        elif k.startswith("mask"):
            feeds[f"{k}:0"] = rng.random([b] + shape_of(n)[1:]) >= 0.1
    train = "loss" in names
    fetches = ["loss:0", "hits:0"] if train else ["y:0"]
    for sess in sessions:
        for _ in range(2):
            sess.run(fetches, feeds)
    times = [[] for _ in sessions]
    cpus = [[] for _ in sessions]
    for _ in range(a.runs):
        for k, sess in enumerate(sessions):
            t0 = time.perf_counter()
            c0 = time.process_time()
            sess.run(fetches, feeds)
            cpus[k].append(time.process_time() - c0)
            times[k].append(time.perf_counter() - t0)
    for k in range(len(sessions)):
        ts, cs = sorted(times[k]), sorted(cpus[k])
        label = ("A (unmarked)" if k == 0 else f"B (xla {a.xla})") if a.ab else f"xla [{a.xla}]"
        print(f"{'train' if train else 'infer'} graph ({len(gd.node)} nodes) {label}, inter {a.inter} intra {a.intra} onednn {a.onednn} off [{a.rewrite_off}]: "
              f"wall median {1000 * ts[len(ts) // 2]:.1f} ms, min {1000 * ts[0]:.1f}; cpu median {1000 * cs[len(cs) // 2]:.1f}, min {1000 * cs[0]:.1f}; load {os.getloadavg()[0]:.2f}")
    if a.no_trace:
        return
    sess = sessions[-1]
    opts = tf.compat.v1.RunOptions(trace_level=tf.compat.v1.RunOptions.FULL_TRACE, output_partition_graphs=True)
    node_min = {}
    node_op = {}
    for _ in range(a.traces):
        md = tf.compat.v1.RunMetadata()
        sess.run(fetches, feeds, options=opts, run_metadata=md)
        for dev in md.step_stats.dev_stats:
            for ns in dev.node_stats:
                us = ns.op_end_rel_micros - ns.op_start_rel_micros
                node_op[ns.node_name] = ns.timeline_label.split("(")[0].split("=")[-1].strip() if ns.timeline_label else "?"
                node_min[ns.node_name] = min(node_min.get(ns.node_name, us), us)
    by_type = collections.Counter()
    by_node = collections.Counter(node_min)
    count = collections.Counter()
    total = 0
    for n, us in node_min.items():
        by_type[node_op[n]] += us
        count[node_op[n]] += 1
        total += us
    print(f"traced op time (sum over ops of each op's minimum over {a.traces} runs, ms): {total / 1000:.1f}")
    for op, us in by_type.most_common(a.top):
        print(f"  {us / 1000:8.1f} ms {100 * us / total:5.1f}%  x{count[op]:<4d} {op}")
    print("top nodes:")
    for n, us in by_node.most_common(a.top):
        print(f"  {us / 1000:8.1f} ms  {n}")
    ops = collections.Counter(n.op for pg in md.partition_graphs for n in pg.node)
    print("ops run (after Grappler/oneDNN rewrite):", ", ".join(f"{k} {v}" for k, v in ops.most_common()))


if __name__ == "__main__":
    main(sys.argv[1:])
