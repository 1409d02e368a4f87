// The suite's HTTP clients. api() wraps the global fetch; raw() uses node:http, which sends
// the request path and headers exactly as written and hands back the bytes on the wire (no
// decompression). Both inspect every answer the same way: each JSON body is parsed, checked
// for figures that went through binary floating point, validated against the OpenAPI
// document, and error bodies are checked for leaked internals (SQL, file paths).
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { parseExact, suspiciousNumbers } from './decimal.mjs';

const REQUEST_TIMEOUT_MS = 10_000;
const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

export function isJson(contentType) {
  return JSON_TYPE.test(contentType ?? '');
}

/**
 * origin: "http://127.0.0.1:PORT"; validator: a ResponseValidator; secrets: strings that must
 * never appear in an error body (the store path, the source folder).
 */
export function createClient({ origin, validator, secrets = [] }) {
  const port = Number(new URL(origin).port);
  const leaks = [/select\s/i, /sqlite/i, /\/work\b/, ...secrets.filter(Boolean).map((s) => new RegExp(
    s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))];
  const stats = { json: 0, validated: 0 };

  function inspect(method, urlPath, status, contentType, body) {
    const hasBody = method !== 'HEAD' && status !== 304 && status !== 204 && body.length > 0;
    if (!hasBody) return undefined;
    const text = body.toString('utf8');
    const where = `${method} ${urlPath} -> ${status}`;
    if (status >= 400) {
      for (const re of leaks) assert.doesNotMatch(text, re, `${where}: error body leaks internals: ${text}`);
    }
    if (!isJson(contentType)) {
      // other media types (CSV) must be declared too; their schema, if any, sees the text
      validator.validateResponse(method, urlPath, status, contentType, text);
      return undefined;
    }
    stats.json++;
    let json;
    try {
      json = JSON.parse(text);
    } catch (e) {
      assert.fail(`${where}: ${contentType} body is not JSON (${e.message}): ${text.slice(0, 200)}`);
    }
    assert.deepEqual(suspiciousNumbers(text), [],
      `${where}: numbers with more than 6 decimals or an exponent`);
    validator.validateResponse(method, urlPath, status, contentType, json);
    stats.validated++;
    return json;
  }

  /** fetch(origin + path); resolves to {status, headers, buf, text, json, exact} (exact:
   * the body by parseExact(), decimal number tokens as their text, "867.50"). */
  async function api(path, { method = 'GET', headers = {}, body } = {}) {
    const res = await fetch(origin + path, {
      method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const buf = Buffer.from(await res.arrayBuffer());
    const contentType = res.headers.get('content-type') ?? '';
    const json = inspect(method, new URL(origin + path).pathname, res.status, contentType, buf);
    const text = buf.toString('utf8');
    const exact = json === undefined ? undefined : parseExact(text);
    return { status: res.status, headers: res.headers, buf, text, json, exact };
  }

  /**
   * node:http request with the path exactly as given; resolves to {status, headers (lower-case
   * names), body (bytes as received), decoded (gunzipped when Content-Encoding is gzip), json,
   * reusedSocket, localPort}.
   */
  function raw(path, { method = 'GET', headers = {}, agent = false, body } = {}) {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          try {
            const bytes = Buffer.concat(chunks);
            const gz = /\bgzip\b/i.test(res.headers['content-encoding'] ?? '');
            const decoded = gz && bytes.length > 0 ? zlib.gunzipSync(bytes) : bytes;
            const json = inspect(method, path.split('?')[0], res.statusCode,
              res.headers['content-type'], decoded);
            resolve({
              status: res.statusCode, headers: res.headers, body: bytes, decoded, json,
              reusedSocket: req.reusedSocket, localPort: req.socket?.localPort,
            });
          } catch (e) {
            reject(e);
          }
        });
      });
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${path}: no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  return { api, raw, stats, origin };
}
