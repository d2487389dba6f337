// tests/otlp/check_pair.js - the pricing example's two processes gave one trace: the server's
// request span is a child of the client's outgoing-call span, across the process boundary.
// usage: node check_pair.js RECEIVED
'use strict';
const fs = require('fs');
const assert = require('assert');

const spans = [];
for (const line of fs.readFileSync(process.argv[2], 'utf8').trim().split('\n')) {
  const l = JSON.parse(line);
  assert.strictEqual(l.verify, null);
  for (const rs of l.request.resourceSpans) {
    const service = rs.resource.attributes.find((a) => a.key === 'service.name').value.stringValue;
    for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, service });
  }
}
const of = (svc) => spans.filter((s) => s.service === svc);
const client = of('shop'), server = of('pricing');
assert(client.length > 0 && server.length > 0, `spans from both services (${spans.map((s) => s.service)})`);
assert.strictEqual(new Set(spans.map((s) => s.traceId)).size, 1, 'one trace id across both processes');
const ids = new Map(spans.map((s) => [s.spanId, s]));
const fetches = client.filter((s) => s.name === 'fetch_price');
assert.strictEqual(fetches.length, 2);
const serverRoots = server.filter((s) => !server.some((p) => p.spanId === s.parentSpanId));
assert.strictEqual(serverRoots.length, 2, 'one request span per call on the server');
for (const r of serverRoots) {
  const parent = ids.get(r.parentSpanId);
  assert(parent && parent.service === 'shop', 'the server request span has its parent in the client');
  const call = ids.get(parent.parentSpanId);
  assert(call && call.name === 'fetch_price', 'that parent is the outgoing call made in fetch_price');
  const handle = server.find((s) => s.name === 'handle' && s.parentSpanId === r.spanId);
  assert(handle, 'handle runs inside the request span');
  assert(server.some((s) => s.name === 'lookup_price' && s.parentSpanId === handle.spanId));
}
// every span's parent is known, except the trace's one root
const roots = spans.filter((s) => !s.parentSpanId);
assert.strictEqual(roots.length, 1, 'one root');
for (const s of spans) if (s.parentSpanId) assert(ids.has(s.parentSpanId), `${s.service}/${s.name}: parent not exported`);
console.log(`pricing: ${client.length} client and ${server.length} server spans, one trace, linked across processes`);
