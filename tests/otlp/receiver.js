// tests/otlp/receiver.js - an OTLP/HTTP receiver on 127.0.0.1 for the tests. It decodes every
// request with OpenTelemetry's own generated protobuf code (@opentelemetry/otlp-transformer
// 0.216.0) or, for http/json, parses the JSON and checks it against the same definitions, and
// appends one line per request to OUT: {"status":..,"contentType":..,"request":<decoded, ids
// in hex>}. Raw bodies go to OUT.<n>.bin. The port goes to stdout. It exits after LIFETIME s.
// usage: node receiver.js MODULES_DIR OUT LIFETIME MODE [PORT]
//   MODE: ok | status:CODE[:N[:RETRY_AFTER]]  (answer CODE to the first N requests, then 200)
//         | hang (accept, never answer)
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');

const [modules, out, lifetime, mode] = process.argv.slice(2);
const root = require(path.join(modules, '@opentelemetry/otlp-transformer/build/src/generated/root.js'));
const Req = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

const hex = (b) => Buffer.from(b, 'base64').toString('hex');
const HEX_KEYS = new Set(['traceId', 'spanId', 'parentSpanId']);

// protobufjs objects (bytes as base64) to the OTLP JSON shape (ids as hex)
function idsToHex(v) {
  if (Array.isArray(v)) return v.map(idsToHex);
  if (v && typeof v === 'object') {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = HEX_KEYS.has(k) && typeof x === 'string' ? hex(x) : idsToHex(x);
    return o;
  }
  return v;
}

// OTLP JSON (ids hex) to a protobufjs message, to prove every key is one the schema knows
function fromJson(doc) {
  const unknown = [];
  const walk = (v, where) => {
    if (Array.isArray(v)) return v.map((x) => walk(x, where));
    if (v && typeof v === 'object') {
      const o = {};
      for (const [k, x] of Object.entries(v)) o[k] = HEX_KEYS.has(k) ? Buffer.from(x, 'hex').toString('base64') : walk(x, k);
      return o;
    }
    return v;
  };
  const msg = Req.fromObject(walk(doc, ''));
  // fromObject ignores keys it does not know: compare the round trip's key set
  const back = JSON.stringify(idsToHex(Req.toObject(msg, { longs: String, bytes: String, enums: Number })));
  const keys = (s) => new Set((s.match(/"[A-Za-z]+":/g) || []).map((k) => k.slice(1, -2)));
  const want = keys(back);
  for (const k of keys(JSON.stringify(doc))) if (!want.has(k) && k !== 'stringValue' && k !== 'intValue') unknown.push(k);
  return { msg, unknown };
}

let count = 0;
const [kind, code, times, retryAfter] = mode.split(':');
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const n = count++;
    fs.writeFileSync(`${out}.${n}.bin`, body);
    if (kind === 'hang') return; // never answer
    let status = 200;
    if (kind === 'status' && n < Number(times || 1e9)) status = Number(code);
    const line = { n, status, contentType: req.headers['content-type'], url: req.url, traceparent: req.headers.traceparent };
    try {
      if (req.headers['content-type'] === 'application/json') {
        const doc = JSON.parse(body.toString('utf8'));
        const { msg, unknown } = fromJson(doc);
        line.unknownKeys = unknown;
        line.verify = Req.verify(msg);
        line.request = doc;
      } else {
        const msg = Req.decode(body);
        line.verify = Req.verify(msg);
        line.request = idsToHex(Req.toObject(msg, { longs: String, bytes: String, enums: Number }));
      }
    } catch (e) {
      line.error = String(e);
    }
    fs.appendFileSync(out, JSON.stringify(line) + '\n');
    const headers = { 'Content-Type': 'application/x-protobuf' };
    if (status !== 200 && retryAfter !== undefined) headers['Retry-After'] = retryAfter;
    res.writeHead(status, headers);
    res.end();
  });
});
server.listen(Number(process.argv[6] || 0), '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
setTimeout(() => process.exit(0), Number(lifetime) * 1000).unref();
