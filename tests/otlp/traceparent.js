// tests/otlp/traceparent.js - narrate's traceparent against @opentelemetry/core's
// W3CTraceContextPropagator, both ways, on valid and invalid headers.
// usage: node traceparent.js MODULES_DIR OTLP_PROG NARRATE_TRACEPARENT
'use strict';
const path = require('path');
const assert = require('assert');
const { execFileSync } = require('child_process');

const [modules, prog, ours] = process.argv.slice(2);
const core = require(path.join(modules, '@opentelemetry/core'));
const api = require(path.join(modules, '@opentelemetry/api'));
const prop = new core.W3CTraceContextPropagator();
const getter = { get: (c, k) => c[k], keys: (c) => Object.keys(c) };
const setter = { set: (c, k, v) => { c[k] = v; } };

// 1. what narrate writes, OpenTelemetry reads
const ctx = prop.extract(api.ROOT_CONTEXT, { traceparent: ours }, getter);
const sc = api.trace.getSpanContext(ctx);
assert(sc && api.isSpanContextValid(sc), `OpenTelemetry rejects narrate's ${ours}`);
const [, t, s, f] = ours.split('-');
assert.strictEqual(sc.traceId, t);
assert.strictEqual(sc.spanId, s);
assert.strictEqual(sc.traceFlags, parseInt(f, 16));

// 2. what OpenTelemetry writes, narrate reads (tracestate passed through)
const spanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1,
                      traceState: new core.TraceState('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE') };
const carrier = {};
prop.inject(api.trace.setSpanContext(api.ROOT_CONTEXT, spanContext), carrier, setter);
const got = execFileSync(prog, ['parse', carrier.traceparent, carrier.tracestate]).toString().trim();
assert.strictEqual(got, `trace=${spanContext.traceId} parent=${spanContext.spanId} flags=01 tracestate=${carrier.tracestate}`);

// 3. the same verdict on headers good and bad
const headers = [
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00',
  '00-00000000000000000000000000000000-00f067aa0ba902b7-01', // zero trace id
  '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', // zero span id
  'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', // version ff
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra', // version 00 with more
  '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later', // a later version may add
  '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01', // upper case
  '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',  // short trace id
  'garbage',
];
let agreed = 0;
for (const h of headers) {
  const theirs = api.trace.getSpanContext(prop.extract(api.ROOT_CONTEXT, { traceparent: h }, getter));
  const otelOk = !!theirs && api.isSpanContextValid(theirs);
  const mine = execFileSync(prog, ['parse', h]).toString().trim();
  const ourOk = mine !== 'invalid';
  assert.strictEqual(ourOk, otelOk, `${h}: OpenTelemetry says ${otelOk ? 'valid' : 'invalid'}, narrate ${mine}`);
  agreed++;
}
console.log(`traceparent: both directions, and ${agreed} headers judged alike`);
