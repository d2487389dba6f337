// Loads a Chrome trace JSON with speedscope's own importer (the npm package's bundle, the code
// the speedscope app runs) and prints, per profile (thread), its name and every frame with its
// total and self weight (microseconds), as JSON.
// usage: node speedscope_totals.js SPEEDSCOPE_BUNDLE.js TRACE.json
'use strict';
const fs = require('fs');
const src = fs.readFileSync(process.argv[2], 'utf8');
// The bundle ends by rendering the app into the page; in its place, hand out the importer.
const end = src.lastIndexOf('console.log(`speedscope v');
if (end < 0) throw new Error('speedscope bundle not recognised (a version other than the pinned one?)');
const noop = () => {};
Object.assign(globalThis, {
  window: globalThis, self: globalThis, addEventListener: noop, requestAnimationFrame: noop,
  location: { hash: '', search: '', href: '' },
  localStorage: { getItem: () => null, setItem: noop },
  matchMedia: () => ({ matches: false, addEventListener: noop, addListener: noop }),
  document: { body: {}, addEventListener: noop, querySelector: () => null,
              createElement: () => ({ getContext: () => null, style: {} }) },
});
const warnings = [];
console.warn = (m) => warnings.push(String(m));
// eslint-disable-next-line no-eval
(0, eval)(src.slice(0, end) + 'globalThis.__speedscope = { isTraceEventFormat: cf, importTraceEvents: _f }; })();');
const data = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
if (!__speedscope.isTraceEventFormat(data)) throw new Error('speedscope does not take this as Trace Event Format');
const group = __speedscope.importTraceEvents(data);
const out = { profiles: [], warnings: warnings.filter((w) => !/Ending .* instead\.$/.test(w)) };
for (const p of group.profiles) {
  const frames = {};
  p.forEachFrame((f) => { frames[f.name] = { total: f.getTotalWeight(), self: f.getSelfWeight() }; });
  out.profiles.push({ name: p.getName(), frames });
}
process.stdout.write(JSON.stringify(out) + '\n');
