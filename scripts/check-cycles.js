#!/usr/bin/env node
// Import cycles in the library, as Node loads it: the top-level require() calls of the
// compiled dist/ (TypeScript drops imports used only as types, and a lazy `import()` or
// require inside a function is not a load-time edge). Prints each cycle; exits 1 if any.
//   node scripts/check-cycles.js [distDir]     (npm run lint runs it after tsc)
'use strict';
const fs = require('fs');
const path = require('path');

const dist = path.resolve(process.argv[2] || path.join(__dirname, '..', 'dist'));
if (!fs.existsSync(path.join(dist, 'index.js'))) {
  console.error(`check-cycles: no compiled library in ${dist}. Fix: run npm run build first.`);
  process.exit(2);
}

function jsFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return jsFiles(p);
    return e.name.endsWith('.js') ? [p] : [];
  });
}

function resolveLocal(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base, `${base}.js`, path.join(base, 'index.js')]) {
    if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
  }
  return null;
}

// Top-level statements start in column 0 in tsc's CommonJS output; requires inside
// functions (lazy loads) are indented.
const TOP_REQUIRE = /^(?:(?:const|let|var)\s+[\w$]+\s*=\s*)?(?:[\w$]+\()*require\("(\.{1,2}\/[^"]+)"\)/;
const edges = new Map();
for (const file of jsFiles(dist)) {
  const deps = new Set();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = TOP_REQUIRE.exec(line);
    if (!m) continue;
    const target = resolveLocal(file, m[1]);
    if (target) deps.add(target);
  }
  edges.set(file, [...deps]);
}

// Tarjan's strongly connected components: every component with more than one module (or a
// module requiring itself) is a cycle.
let index = 0;
const idx = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
function visit(v) {
  idx.set(v, index);
  low.set(v, index);
  index++;
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v) || []) {
    if (!idx.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) {
      low.set(v, Math.min(low.get(v), idx.get(w)));
    }
  }
  if (low.get(v) === idx.get(v)) {
    const comp = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      comp.push(w);
    } while (w !== v);
    if (comp.length > 1 || (edges.get(v) || []).includes(v)) cycles.push(comp);
  }
}
for (const v of edges.keys()) if (!idx.has(v)) visit(v);

const rel = (p) => path.relative(dist, p).replace(/\.js$/, '.ts');
if (cycles.length) {
  for (const c of cycles) console.error(`check-cycles: import cycle among src/{${c.map(rel).sort().join(', ')}}`);
  console.error(`check-cycles: ${cycles.length} cycle(s). Fix: move the shared types or helpers into a module both can import, or load one side lazily.`);
  process.exit(1);
}
console.log(`check-cycles: no import cycles among ${edges.size} modules`);
