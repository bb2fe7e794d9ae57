#!/usr/bin/env python3
"""Execute transfer-lab notebooks headlessly under the tslab kernel and check them.

Run with the project's venv:  .venv/bin/python scripts/run_notebooks.py [options] NOTEBOOK...

For each notebook:
  1. execute it with nbclient (kernel from its metadata, default tslab; working
     directory = the notebook's folder; a timeout per cell; errors are never allowed);
  2. write the executed copy to OUT/<name>.ipynb (temporary name, then rename),
     signed as trusted with the notary of .venv/share/jupyter (the data dir that
     scripts/lab uses), so its charts render when opened in JupyterLab;
  3. export OUT/<name>.html with nbconvert's lab template, minus the CDN scripts
     (require.js, MathJax), so the page works offline; charts carry plotly.js inline;
  4. check what the notebook declares in metadata.transfer_lab.expect:
       {"charts": 1,                          at least this many plotly charts
        "metrics": {"acc": {"min": 0.8, "max": 1}},   recorded with tl.recordMetric
        "text": ["backend: tensorflow"]}      strings that must appear in some output
     plus, always: no error outputs, and the HTML has as many charts as the notebook;
  5. write OUT/<name>-result.json (ok, seconds, charts, metrics, problems).

Exit status 0 when every notebook passed, 1 otherwise; failures name the cell index,
the first line of its source and the error.
"""
import argparse
import json
import os
import re
import sys
import tempfile
import time
import traceback
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parent.parent
VENV_DATA = ROOT / ".venv" / "share" / "jupyter"
METRIC_MIME = "application/vnd.transfer-lab.metric+json"
FIGURE_CLASS = 'class="transfer-lab-figure"'
PLOTLY_MARKER = "window.Plotly = Plotly"

# The lab template without the scripts it would fetch from a CDN (require.js, MathJax):
# the exported page must work with no network. Mermaid is loaded only if a diagram exists.
OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
"""


def log(msg):
    print(f"[notebooks] {msg}", flush=True)


def atomic_write(path: Path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; give the usual mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def error_detail(cell, ename, evalue):
    """The error of a failed cell in one line. tslab reports errors on stderr (a thrown
    Error's stack, or TypeScript diagnostics like '2:7 - Type ... is not assignable')
    with an empty or generic ename, so prefer what the cell printed."""
    stderr = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stderr")
    lines = [l.strip() for l in stderr.splitlines() if l.strip()]
    for l in lines:
        if re.match(r"^[\w$]*(Error|Exception)\b.*:", l) or re.match(r"^\d+:\d+ - ", l):
            return l[:400]
    generic = {"", "<Error>", "Error"}
    if ename not in generic or evalue:
        return f"{ename}: {evalue}".strip(": ")[:400]
    return (lines[-1] if lines else "unknown error (the kernel gave no details)")[:400]


def first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            return line.strip()[:120]
    return "(empty cell)"


class TrackingClient(NotebookClient):
    """A NotebookClient that remembers which cell is running (for error reports)."""

    current = None

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        self.current = cell_index
        return await super().async_execute_cell(cell, cell_index, execution_count, store_history)


def outputs(nb):
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            yield i, out


def collect(nb):
    """Charts, metrics, error outputs and all text of an executed notebook."""
    charts, metrics, errors, texts = 0, {}, [], []
    for i, out in outputs(nb):
        if out.get("output_type") == "error":
            errors.append((i, f"{out.get('ename')}: {out.get('evalue')}"))
            continue
        if out.get("output_type") == "stream":
            texts.append(out.get("text", ""))
            continue
        data = out.get("data", {})
        html = data.get("text/html", "")
        if isinstance(html, list):
            html = "".join(html)
        charts += html.count(FIGURE_CLASS)
        texts.append(html)
        plain = data.get("text/plain", "")
        texts.append("".join(plain) if isinstance(plain, list) else plain)
        if METRIC_MIME in data:
            m = data[METRIC_MIME]
            if isinstance(m, str):
                m = json.loads(m)
            metrics[m["name"]] = m["value"]
    return charts, metrics, errors, "\n".join(texts)


def check_expectations(nb, charts, metrics, errors, text, html):
    problems = []
    for i, err in errors:
        problems.append(f"cell {i} has an error output: {err}")
    expect = nb.metadata.get("transfer_lab", {}).get("expect", {})
    want_charts = expect.get("charts", 0)
    if charts < want_charts:
        problems.append(f"expected at least {want_charts} plotly chart(s) (tl.show / liveCurve), found {charts}")
    for name, bounds in expect.get("metrics", {}).items():
        if name not in metrics:
            problems.append(f"metric '{name}' was not recorded (call tl.recordMetric('{name}', value)); recorded: {sorted(metrics) or 'none'}")
            continue
        v = metrics[name]
        if "min" in bounds and not v >= bounds["min"]:
            problems.append(f"metric '{name}' = {v} is below the expected minimum {bounds['min']}")
        if "max" in bounds and not v <= bounds["max"]:
            problems.append(f"metric '{name}' = {v} is above the expected maximum {bounds['max']}")
    for s in expect.get("text", []):
        if s not in text:
            problems.append(f"expected text {s!r} in some output, not found")
    if html is not None:
        html_charts = html.count(FIGURE_CLASS)
        if html_charts < charts:
            problems.append(f"the HTML export has {html_charts} chart(s), the notebook {charts}: nbconvert dropped some")
        if charts and PLOTLY_MARKER not in html:
            problems.append("the HTML export has charts but not the plotly.js code: charts would not draw offline")
        if '<script src="http' in html:
            problems.append("the HTML export loads a script from the network (<script src=\"http...\")")
    return problems


def export_html(nb, name):
    import jinja2
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        extra_loaders=[jinja2.DictLoader({"transfer_lab_offline.html.j2": OFFLINE_TEMPLATE})],
        template_file="transfer_lab_offline.html.j2",
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name}})
    return body


def sign(nb):
    from nbformat.sign import NotebookNotary

    VENV_DATA.mkdir(parents=True, exist_ok=True)
    notary = NotebookNotary(data_dir=str(VENV_DATA))
    notary.sign(nb)


def run_one(path: Path, out_dir: Path, timeout: int, startup_timeout: int):
    name = path.stem
    t0 = time.time()
    nb = nbformat.read(str(path), as_version=4)
    kernel = nb.metadata.get("kernelspec", {}).get("name", "tslab")
    client = TrackingClient(
        nb,
        kernel_name=kernel,
        timeout=timeout,
        startup_timeout=startup_timeout,
        allow_errors=False,
        record_timing=True,
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    failure = None
    try:
        client.execute()
    except CellExecutionError as e:
        failure = ("error", e)
    except CellTimeoutError as e:
        failure = ("timeout", e)
    except DeadKernelError as e:
        failure = ("dead kernel", e)
    except Exception as e:  # kernel did not start, etc.
        failure = ("harness", e)

    problems = []
    if failure:
        kind, e = failure
        i = client.current
        where = f"cell {i} ({first_line(nb.cells[i].source)!r})" if i is not None else "before the first cell"
        if kind == "error":
            detail = error_detail(nb.cells[i] if i is not None else {}, getattr(e, "ename", ""), getattr(e, "evalue", ""))
            tb = getattr(e, "traceback", "")
        elif kind == "timeout":
            detail = f"no result within {timeout} s per cell (raise --timeout, or use tl.quickMode() to do less work)"
            tb = ""
        else:
            detail = f"{type(e).__name__}: {e}"
            tb = traceback.format_exc()
        problems.append(f"{where} failed ({kind}): {detail}")
        if tb:
            problems.append("traceback:\n" + (tb if isinstance(tb, str) else "\n".join(tb))[-3000:])

    charts, metrics, errors, text = collect(nb)
    if not failure:
        sign(nb)
    out_nb = out_dir / f"{name}.ipynb"
    atomic_write(out_nb, nbformat.writes(nb))
    html = None
    try:
        html = export_html(nb, name)
        atomic_write(out_dir / f"{name}.html", html)
    except Exception as e:
        problems.append(f"HTML export failed: {type(e).__name__}: {e}")
    if not failure:
        problems += check_expectations(nb, charts, metrics, errors, text, html)

    result = {
        "notebook": str(path),
        "ok": not problems,
        "seconds": round(time.time() - t0, 1),
        "quick": os.environ.get("TRANSFER_LAB_QUICK") == "1",
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "loadavg": list(os.getloadavg()),
        "charts": charts,
        "metrics": metrics,
        "executed": str(out_nb),
        "html": str(out_dir / f"{name}.html") if html is not None else None,
        "html_bytes": len(html.encode()) if html is not None else None,
        "notebook_bytes": out_nb.stat().st_size,
        "problems": problems,
    }
    atomic_write(out_dir / f"{name}-result.json", json.dumps(result, indent=2))
    return result


def main(argv=None):
    ap = argparse.ArgumentParser(description="Execute notebooks under tslab, write executed copies and HTML, check expectations.")
    ap.add_argument("notebooks", nargs="+", help="notebook files (.ipynb)")
    ap.add_argument("--out", default=str(ROOT / "out" / "notebooks"), help="output folder (default out/notebooks)")
    ap.add_argument("--timeout", type=int, default=int(os.environ.get("TRANSFER_LAB_CELL_TIMEOUT", "900")), help="seconds per cell (default 900)")
    ap.add_argument("--startup-timeout", type=int, default=120, help="seconds for the kernel to start (default 120)")
    ap.add_argument("--quick", action="store_true", help="set TRANSFER_LAB_QUICK=1 for the kernel (fewer epochs)")
    args = ap.parse_args(argv)

    if args.quick:
        os.environ["TRANSFER_LAB_QUICK"] = "1"
    # Find the project's tslab kernel even if the caller did not set JUPYTER_PATH.
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in [str(VENV_DATA), os.environ.get("JUPYTER_PATH", "")] if p)
    out_dir = Path(args.out).resolve()
    all_ok = True
    for nb_path in args.notebooks:
        path = Path(nb_path)
        if not path.is_file():
            log(f"FAIL {nb_path}: no such notebook")
            all_ok = False
            continue
        log(f"running {path} (kernel tslab, quick={os.environ.get('TRANSFER_LAB_QUICK') == '1'})")
        r = run_one(path, out_dir, args.timeout, args.startup_timeout)
        if r["ok"]:
            log(f"ok   {path.name}: {r['seconds']} s, {r['charts']} chart(s), metrics {r['metrics']}, -> {r['executed']}, {r['html']}")
        else:
            all_ok = False
            log(f"FAIL {path.name} ({r['seconds']} s):")
            for p in r["problems"]:
                print("  " + p.replace("\n", "\n  "), file=sys.stderr, flush=True)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
