// The OpenAPI document that budgetd serves at /api/v1/openapi.json, used as the oracle for
// every JSON body the suite receives: validateResponse() finds the path template and the
// response for the status, takes the schema of the media type that was sent, and validates
// the body with Ajv (JSON Schema 2020-12, as OpenAPI 3.1 uses), $refs resolved in the document.
//
// Rules, so that a mismatch is reported precisely:
// - A URL that is a real resource must match a path of the document (servers' base paths are
//   honoured), the method an operation, the status a response (exact, then 4XX, then
//   default), and the media type sent (parameters ignored) one of its content entries.
// - Answers that no operation can declare use the document's problem schema (the schema of
//   its first application/problem+json response): a 404 for a URL that matches no path, and
//   405 and 414 where the operation does not declare them.
import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { Validator } from '@seriousme/openapi-schema-validator';

const DOC_ID = 'budgetd-openapi.json';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const pointerSegment = (s) => encodeURIComponent(String(s).replace(/~/g, '~0').replace(/\//g, '~1'));
const pointer = (...segments) => segments.map((s) => `/${pointerSegment(s)}`).join('');

/** Validity of the document against the OpenAPI JSON schemas. */
export async function checkDocument(doc) {
  return new Validator().validate(structuredClone(doc));
}

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class ResponseValidator {
  constructor(doc, { lax = false } = {}) {
    this.doc = doc;
    this.lax = lax;
    this.mismatches = new Map(); // message -> count, in lax mode
    this.ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });
    addFormats(this.ajv);
    this.ajv.addSchema(doc, DOC_ID);
    this.compiled = new Map();
    this.prefixes = this.#serverPrefixes(doc.servers);
    this.templates = Object.entries(doc.paths ?? {}).map(([tpl, item]) => ({
      tpl,
      item,
      re: new RegExp(`^${tpl.split(/(\{[^}/]+\})/).map((part) => (
        /^\{[^}/]+\}$/.test(part) ? '[^/]+' : escapeRegExp(part))).join('')}$`),
      literal: tpl.replace(/\{[^}/]+\}/g, '').length,
    }));
  }

  #serverPrefixes(servers) {
    if (!Array.isArray(servers) || servers.length === 0) return [''];
    return servers.map((s) => {
      const url = String(s.url ?? '/').replace(/\{([^}]+)\}/g,
        (_, name) => s.variables?.[name]?.default ?? '');
      return new URL(url, 'http://localhost').pathname.replace(/\/+$/, '');
    });
  }

  /** A local $ref resolved: [object, its JSON pointer]. */
  #deref(obj, ptr) {
    for (let depth = 0; obj && typeof obj.$ref === 'string'; depth++) {
      assert.ok(depth < 20, `$ref loop at ${ptr}`);
      assert.ok(obj.$ref.startsWith('#/'), `only local $refs are supported: ${obj.$ref}`);
      const parts = obj.$ref.slice(2).split('/').map((s) => decodeURIComponent(s)
        .replace(/~1/g, '/').replace(/~0/g, '~'));
      ptr = pointer(...parts);
      obj = parts.reduce((o, s) => o?.[s], this.doc);
      assert.ok(obj !== undefined, `unresolvable $ref ${ptr}`);
    }
    return [obj, ptr];
  }

  /** The path item for a URL path: {tpl, item, ptr} or null. Literal segments win. */
  findPath(urlPath) {
    let best = null;
    for (const prefix of this.prefixes) {
      if (prefix && urlPath !== prefix && !urlPath.startsWith(`${prefix}/`)) continue;
      const rest = urlPath.slice(prefix.length) || '/';
      for (const t of this.templates) {
        if (t.re.test(rest) && (best === null || t.literal > best.literal)) best = t;
      }
    }
    if (best === null) return null;
    const [item, ptr] = this.#deref(best.item, pointer('paths', best.tpl));
    return { tpl: best.tpl, item, ptr };
  }

  /** The schema pointer of the first application/problem+json response in the document. */
  problemSchemaPointer() {
    if (this.problemPtr !== undefined) return this.problemPtr;
    const visit = (responses, ptr) => {
      for (const [code, r] of Object.entries(responses ?? {})) {
        const [resp, rptr] = this.#deref(r, `${ptr}${pointer(code)}`);
        const media = resp?.content?.['application/problem+json'];
        if (media?.schema) return `${rptr}${pointer('content', 'application/problem+json', 'schema')}`;
      }
      return null;
    };
    let found = visit(this.doc.components?.responses, pointer('components', 'responses'));
    for (const [tpl, rawItem] of Object.entries(this.doc.paths ?? {})) {
      if (found) break;
      const [item, iptr] = this.#deref(rawItem, pointer('paths', tpl));
      for (const m of METHODS) {
        if (!found && item?.[m]) found = visit(item[m].responses, `${iptr}${pointer(m, 'responses')}`);
      }
    }
    this.problemPtr = found;
    return found;
  }

  #fail(message) {
    if (!this.lax) assert.fail(message);
    this.mismatches.set(message, (this.mismatches.get(message) ?? 0) + 1);
  }

  #schemaPointer(method, urlPath, status, contentType) {
    const type = contentType.split(';')[0].trim().toLowerCase();
    const where = `${method.toUpperCase()} ${urlPath} -> ${status} ${type}`;
    const generic = () => {
      const ptr = this.problemSchemaPointer();
      if (type !== 'application/problem+json') {
        return { error: `${where}: an error answer that is not application/problem+json` };
      }
      return ptr ? { ptr } : {
        error: `${where}: the document declares no application/problem+json response schema`,
      };
    };
    const path = this.findPath(urlPath);
    if (path === null) {
      if (status === 404 || status === 414) return generic();
      return { error: `${where}: no path of the OpenAPI document matches ${urlPath}` };
    }
    const m = method.toLowerCase();
    const op = path.item?.[m];
    if (!op) {
      if (status === 405) return generic();
      return { error: `${where}: path ${path.tpl} has no ${m} operation` };
    }
    const responses = op.responses ?? {};
    const code = [String(status), `${String(status)[0]}XX`, 'default'].find((c) => c in responses);
    if (code === undefined) {
      if (status === 405 || status === 414) return generic();
      return { error: `${where}: ${m} ${path.tpl} declares no ${status} response (nor ${String(status)[0]}XX, default)` };
    }
    const [resp, rptr] = this.#deref(responses[code], `${path.ptr}${pointer(m, 'responses', code)}`);
    const content = resp?.content ?? {};
    const [major] = type.split('/');
    const media = [type, `${major}/*`, '*/*'].find((t) => t in content);
    if (media === undefined) {
      return { error: `${where}: ${m} ${path.tpl} response ${code} declares ${Object.keys(content).join(', ') || 'no content'}, not ${type}` };
    }
    const [mediaObj, mptr] = this.#deref(content[media], `${rptr}${pointer('content', media)}`);
    if (!mediaObj?.schema) return { ptr: null };
    return { ptr: `${mptr}${pointer('schema')}` };
  }

  /** Asserts that body (parsed JSON) is what the document says for this answer. */
  validateResponse(method, urlPath, status, contentType, body) {
    const { ptr, error } = this.#schemaPointer(method, urlPath, status, contentType);
    if (error) return this.#fail(error);
    if (ptr === null) return undefined;
    let validate = this.compiled.get(ptr);
    if (validate === undefined) {
      try {
        validate = this.ajv.compile({ $ref: `${DOC_ID}#${ptr}` });
      } catch (e) {
        return this.#fail(`schema at ${decodeURIComponent(ptr)} does not compile: ${e.message}`);
      }
      this.compiled.set(ptr, validate);
    }
    if (!validate(body)) {
      const errors = validate.errors.slice(0, 10).map((e) => `  ${e.instancePath || '/'} ${e.message}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`);
      return this.#fail(`${method.toUpperCase()} ${urlPath} -> ${status}: body does not match ${decodeURIComponent(ptr)}:\n${errors.join('\n')}`);
    }
    return undefined;
  }
}
