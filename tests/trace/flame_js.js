// The flame graph's script, run against the SVG's own frames with a stand-in DOM: clicking a
// frame makes it span the width with its callers full width and its callees scaled inside it,
// unrelated frames hidden; reset restores every frame; search highlights by regular expression
// and reports the share of time matched.
// usage: node flame_js.js FLAME.svg FUNCTION_TO_ZOOM SEARCH_TERM EXPECTED_PERCENT
'use strict';
const fs = require('fs');
const [svgPath, zoomName, term, want] = process.argv.slice(2);
const svg = fs.readFileSync(svgPath, 'utf8');
const script = svg.match(/<!\[CDATA\[([\s\S]*?)\]\]>/)[1];
function el(attrs) {
  const a = Object.assign({}, attrs), style = {};
  return { attrs: a, style, dataset: {}, setAttribute(k, v) { a[k] = String(v); }, getAttribute(k) { return a[k]; } };
}
const frames = [];
for (const m of svg.matchAll(/<g class="f" data-b="(\d+)" data-d="(\d+)" data-x="([\d.]+)" data-w="([\d.]+)" data-n="([^"]*)"[^>]*><title>[^<]*<\/title><rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]* fill="([^"]+)"/g)) {
  const g = el({}), rect = el({ x: m[6], width: m[7], fill: m[8] }), text = el({});
  g.dataset = { b: m[1], d: m[2], x: m[3], w: m[4], n: m[5] };
  g.querySelector = (q) => (q === 'rect' ? rect : text);
  g.rect = rect;
  frames.push(g);
}
if (frames.length === 0) throw new Error('no frames in ' + svgPath);
const matched = el({});
global.document = {
  querySelectorAll: () => frames,
  getElementById: () => matched,
};
global.prompt = () => term;
global.alert = (m) => { throw new Error(m); };
// eslint-disable-next-line no-new-func
const api = new Function(script + '; return { zoom, unzoom, search };')();
const target = frames.find((f) => f.dataset.n === zoomName && f.dataset.d !== '0') || frames.find((f) => f.dataset.n === zoomName);
if (!target) throw new Error('no frame named ' + zoomName);
api.zoom(target);
const W = 1200;
if (Math.abs(+target.rect.attrs.x) > 0.01 || Math.abs(+target.rect.attrs.width - W) > 0.01)
  throw new Error(`zoomed frame at ${target.rect.attrs.x}+${target.rect.attrs.width}, not 0+${W}`);
for (const f of frames) {
  if (f.dataset.b !== target.dataset.b) continue;
  const x = +f.rect.attrs.x, w = +f.rect.attrs.width;
  if (w > 0 && (x < -0.01 || x + w > W + 0.01)) throw new Error(`a frame outside the width after zoom: ${f.dataset.n} ${x}+${w}`);
}
api.unzoom();
for (const f of frames) {
  const x = +f.rect.attrs.x, w = +f.rect.attrs.width;
  if (Math.abs(x - f.dataset.x * W) > 0.01 || Math.abs(w - f.dataset.w * W) > 0.01) throw new Error('reset did not restore ' + f.dataset.n);
}
api.search();
const hits = frames.filter((f) => f.rect.attrs.fill === 'rgb(230,0,230)').length;
if (hits === 0) throw new Error('search highlighted nothing for ' + term);
if (!matched.textContent.startsWith('Matched: ' + want)) throw new Error(`search reported "${matched.textContent}", wanted ${want}`);
console.log(`flame script: zoom to ${zoomName}, reset, search /${term}/ (${hits} frames, ${matched.textContent})`);
