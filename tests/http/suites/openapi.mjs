// a. The OpenAPI document budgetd serves: it parses, is a valid OpenAPI 3.1 document, its
// response schemas compile, and it has a path for every resource the API offers.
import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, it } from 'node:test';
import { checkDocument } from '../lib/openapi.mjs';

export default function openapi(ctx) {
  describe('OpenAPI document (/api/v1/openapi.json)', () => {
    it('is served as JSON and parses', async () => {
      assert.equal(ctx.docStatus, 200);
      assert.equal(ctx.docType, 'application/json; charset=utf-8');
      assert.equal(ctx.docError, null, `does not parse: ${ctx.docError?.message}`);
      // the same answer through the validating client: the document describes itself too
      const res = await ctx.client.api('/api/v1/openapi.json');
      assert.deepEqual(res.json, ctx.doc);
    });

    it('is a valid OpenAPI 3.1 document', async () => {
      assert.ok(ctx.doc, 'no document');
      assert.match(String(ctx.doc.openapi), /^3\.1\.\d+$/, 'OpenAPI 3.1');
      const result = await checkDocument(ctx.doc);
      assert.ok(result.valid, `invalid OpenAPI document:\n${JSON.stringify(result.errors, null, 2)}`);
    });

    it('has response schemas that compile with Ajv (JSON Schema 2020-12)', () => {
      assert.ok(ctx.doc, 'no document');
      const ajv = new Ajv2020({ strict: false, logger: false });
      addFormats(ajv);
      ajv.addSchema(ctx.doc, 'doc.json');
      const enc = (s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'));
      const problems = [];
      let count = 0;
      for (const [tpl, item] of Object.entries(ctx.doc.paths ?? {})) {
        for (const [method, op] of Object.entries(item ?? {})) {
          for (const [code, resp] of Object.entries(op?.responses ?? {})) {
            for (const [type, media] of Object.entries(resp?.content ?? {})) {
              if (!media?.schema) continue;
              count++;
              const ptr = ['paths', tpl, method, 'responses', code, 'content', type, 'schema'].map(enc).join('/');
              try {
                ajv.compile({ $ref: `doc.json#/${ptr}` });
              } catch (e) {
                problems.push(`${method} ${tpl} ${code} ${type}: ${e.message}`);
              }
            }
          }
        }
      }
      assert.deepEqual(problems, [], 'schemas that do not compile');
      assert.ok(count > 0 || Object.keys(ctx.doc.paths ?? {}).length === 0, 'response schemas');
    });

    it('has a path for every resource', () => {
      const { base } = ctx;
      const urls = [
        '/api/v1/openapi.json', '/api/v1/departments', `/api/v1/departments/${ctx.dept}`, base,
        `${base}/tables`, `${base}/tables/1`, `${base}/projects`,
        `${base}/projects/${ctx.data.projects[0].id}`, `${base}/sangong`, `${base}/audit`, '/api/v1/audit',
      ];
      const missing = urls.filter((u) => ctx.validator.findPath?.(u) == null);
      assert.deepEqual(missing, [], 'URLs that no path of the document matches');
      const noGet = urls.filter((u) => !ctx.validator.findPath(u).item?.get);
      assert.deepEqual(noGet, [], 'paths without a get operation');
    });
  });
}
