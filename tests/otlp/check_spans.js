// tests/otlp/check_spans.js - checks what the receiver decoded from `otlp_prog spans`.
// usage: node check_spans.js RECEIVED CONTEXT_TRACEPARENT protobuf|json
'use strict';
const fs = require('fs');
const assert = require('assert');

const [file, traceparent, protocol] = process.argv.slice(2);
const [, ctxTrace, ctxSpan] = traceparent.split('-');
const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
assert(lines.length >= 1, 'no request received');

const spans = [];
let resource;
for (const l of lines) {
  assert.strictEqual(l.error, undefined, `request ${l.n} did not decode: ${l.error}`);
  assert.strictEqual(l.verify, null, `request ${l.n} does not verify: ${l.verify}`);
  assert.strictEqual(l.url, '/v1/traces');
  assert.strictEqual(l.contentType, protocol === 'json' ? 'application/json' : 'application/x-protobuf');
  if (protocol === 'json') assert.deepStrictEqual(l.unknownKeys, [], `JSON keys the schema does not know: ${l.unknownKeys}`);
  for (const rs of l.request.resourceSpans) {
    resource = rs.resource;
    for (const ss of rs.scopeSpans) {
      assert.strictEqual(ss.scope.name, 'narrate');
      spans.push(...ss.spans);
    }
  }
}

const attr = (list, key) => {
  const a = (list || []).find((x) => x.key === key);
  if (!a) return undefined;
  const v = a.value;
  return v.stringValue !== undefined ? v.stringValue : v.intValue !== undefined ? String(v.intValue) : v;
};
assert.strictEqual(attr(resource.attributes, 'service.name'), 'otlp-test');
assert.strictEqual(attr(resource.attributes, 'deployment.environment'), 'test');
assert.strictEqual(attr(resource.attributes, 'team'), 'a,b'); // percent-decoded
assert.strictEqual(attr(resource.attributes, 'telemetry.sdk.name'), 'narrate');

const byName = (n) => spans.filter((s) => s.name === n);
assert.strictEqual(spans.length, 6, `want 6 spans (context, login, 3 lookups, refuse), got ${spans.map((s) => s.name)}`);
for (const s of spans) {
  assert.match(s.traceId, /^[0-9a-f]{32}$/);
  assert.match(s.spanId, /^[0-9a-f]{16}$/);
  assert.notStrictEqual(s.spanId, '0000000000000000');
  assert.strictEqual(s.traceId, ctxTrace, `${s.name}: not in the request's trace`);
  assert(BigInt(s.startTimeUnixNano) <= BigInt(s.endTimeUnixNano), `${s.name}: ends before it starts`);
  const now = BigInt(Date.now()) * 1000000n;
  assert(now - BigInt(s.startTimeUnixNano) < 600n * 1000000000n, `${s.name}: start time not wall-clock now`);
}
assert.strictEqual(new Set(spans.map((s) => s.spanId)).size, spans.length, 'span ids repeat');

const ctx = byName('req-otlp-1')[0];
assert(ctx, 'the context span');
assert.strictEqual(ctx.spanId, ctxSpan, 'the context span has the id traceparent carries');
assert(!ctx.parentSpanId, 'the root context has no parent');

const login = byName('login')[0];
assert.strictEqual(login.parentSpanId, ctx.spanId, 'login is a child of the request');
assert.strictEqual(attr(login.attributes, 'user'), 'ada');
assert.strictEqual(attr(login.attributes, 'password'), '[REDACTED]');
assert.strictEqual(attr(login.attributes, 'result'), '42');
assert.strictEqual(attr(login.attributes, 'code.function'), 'login');
assert.match(attr(login.attributes, 'code.filepath'), /otlp_prog\.c$/);

const lookups = byName('lookup');
assert.strictEqual(lookups.length, 3);
const inner = lookups.find((s) => s.parentSpanId === login.spanId);
assert(inner, 'lookup inside login');
assert(BigInt(inner.startTimeUnixNano) >= BigInt(login.startTimeUnixNano) &&
       BigInt(inner.endTimeUnixNano) <= BigInt(login.endTimeUnixNano), 'nested in time');
assert.strictEqual(inner.events.length, 1);
assert.strictEqual(inner.events[0].name, 'lookup');
assert.strictEqual(attr(inner.events[0].attributes, 'message'), 'looking up ada');
assert.strictEqual(attr(inner.events[0].attributes, 'level'), 'INFO');

const refuse = byName('refuse')[0];
assert.strictEqual(refuse.status.code, 2, 'an error exit sets STATUS_CODE_ERROR');
assert.strictEqual(attr(refuse.attributes, 'code'), '3');
assert.strictEqual(attr(refuse.attributes, 'result'), '-3');
assert.strictEqual(login.status.code || 0, 0);

const bad = lookups.find((s) => (attr(s.attributes, 'user') || '').startsWith('bad'));
assert(bad, 'the bad UTF-8 value arrived');
assert.strictEqual(attr(bad.attributes, 'user'), 'bad\ufffd\ufffd utf8');
const long = lookups.find((s) => (attr(s.attributes, 'user') || '').startsWith('xxx'));
assert(long, 'the long value arrived');
assert(attr(long.attributes, 'user').length <= 100, `a value of ${attr(long.attributes, 'user').length} bytes (limit 100)`);
console.log(`${protocol}: ${lines.length} request(s), ${spans.length} spans as expected`);
