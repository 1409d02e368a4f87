// One answer, one cache key (issue #13, point 4 and part of 8). Every parameter a resource
// does not take is refused (400, naming those it takes), so ?zz=<random> cannot make a new
// cache entry and a new whole-disclosure read per request; a number has one spelling (no
// leading zeros); a parameter needs a name and a value. The spellings of one answer that are
// still accepted (Accept variants, ?format=json, the default level written out, %2F for /)
// get the same answer: tests/check_api.c proves they also get the same cache key.
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';

/** GET path exactly as written, without the validating client (it would look %2F up in the
 * OpenAPI document as a path of its own). */
function plain(origin, path, headers = {}) {
  const { port } = new URL(origin);
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

export default function cachekey(ctx) {
  const { base, dept } = ctx;
  const DISCLOSURE = 'this resource takes level and format';
  const NO_NAME = 'a query parameter has no name: write name=value, joined by single &';
  // [name, URL, detail]: all 400
  const refused = [
    // unknown parameters: the cache buster of the issue, on each family of resources
    ['?zz= on /sangong', `${base}/sangong?zz=0.123`, `unknown parameter "zz": ${DISCLOSURE}`],
    ['?zz= on the disclosure', `${base}?zz=1`, `unknown parameter "zz": ${DISCLOSURE}`],
    ['?zz= on a table', `${base}/tables/6?format=csv&zz=1`, `unknown parameter "zz": ${DISCLOSURE}`],
    ['?zz= on a project', `${base}/projects/business-operations?zz=1`, `unknown parameter "zz": ${DISCLOSURE}`],
    ['?zz= on the findings', `${base}/audit?zz=1`, `unknown parameter "zz": ${DISCLOSURE}`],
    ['?zz= on the department list', '/api/v1/departments?zz=1',
      'unknown parameter "zz": this resource takes q, year, limit, offset and format'],
    ['?level= on a department', `/api/v1/departments/${dept}?level=unit`,
      'unknown parameter "level": this resource takes format'],
    ['?page= on the store\'s findings', '/api/v1/audit?page=2',
      'unknown parameter "page": this resource takes severity, rule, family, kind, year, limit, offset and format'],
    ['?limit= on the OpenAPI document', '/api/v1/openapi.json?limit=1',
      'unknown parameter "limit": this resource takes format'],
    // numbers have one spelling
    ['tables/06', `${base}/tables/06`, 'table is written without leading zeros: 6'],
    ['budgets/02021', `/api/v1/departments/${dept}/${ctx.data.kind}s/0${ctx.data.year}/sangong`, `year is written without leading zeros: ${ctx.data.year}`],
    ['limit=007', '/api/v1/departments?limit=007', 'limit is written without leading zeros: limit=7'],
    ['offset=00', '/api/v1/audit?offset=00', 'offset is written without leading zeros: offset=0'],
    ['year=02021', '/api/v1/departments?year=02021', 'year is written without leading zeros: year=2021'],
    ['offset=+1', '/api/v1/departments?offset=+1', 'offset must be a number from 0 to 1000000000'],
    // a name and a value
    ['?&&', `${base}/sangong?&&`, NO_NAME],
    ['?&', '/api/v1/departments?&', NO_NAME],
    ['?=x', `${base}?=x`, NO_NAME],
    ['?q without =', '/api/v1/departments?q', 'the parameter "q" needs a value: q=...'],
    ['?level without =', `${base}/tables?level`, 'the parameter "level" needs a value: level=...'],
  ];

  describe('one answer, one cache key', () => {
    for (const [name, url, detail] of refused) {
      it(`400 ${name}`, async () => {
        const res = await ctx.client.raw(url);
        assert.equal(res.status, 400, `${url}: ${res.body}`);
        assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', url);
        assert.equal(res.json.detail, detail, url);
      });
    }

    it('every operation takes exactly the query parameters the OpenAPI document lists', async () => {
      const doc = ctx.doc;
      const resolve = (prm) => (prm.$ref ? doc.components.parameters[prm.$ref.split('/').pop()] : prm);
      const fill = {
        id: dept, kind: `${ctx.data.kind}s`, year: String(ctx.data.year), n: '1',
        project_id: ctx.data.projects[0].id,
        // a page image's PDF: any SHA-256 parses (the putuo-commerce 2025 PDF's)
        sha256: 'b067184912969b733d53e86c4cf658ba91b4cecf93c25b9198ea3086515e7a6a',
      };
      let checked = 0;
      for (const [tpl, item] of Object.entries(doc.paths)) {
        const url = tpl.replace(/\{(\w+)\}/g, (_, name) => fill[name]);
        const declared = (item.get.parameters ?? []).map(resolve).filter((x) => x.in === 'query')
          .map((x) => x.name);
        const res = await ctx.client.raw(`${url}?zz=1`);
        assert.equal(res.status, 400, `${url}?zz=1`);
        const m = /^unknown parameter "zz": this resource takes (.*)$/.exec(res.json.detail);
        assert.ok(m, `${url}: ${res.json.detail}`);
        const taken = m[1] === 'no query parameters' ? [] : m[1].split(/, | and /);
        assert.deepEqual([...taken].sort(), [...declared].sort(), `${tpl}: taken vs declared`);
        for (const name of declared) {
          const one = await ctx.client.raw(`${url}?${name}=x`);
          assert.doesNotMatch(one.json?.detail ?? '', /unknown parameter/, `${url}?${name}=x`);
        }
        checked++;
      }
      assert.equal(checked, Object.keys(doc.paths).length);
    });

    it('?&& on a page gets the same 400, not "given more than once"', async () => {
      const res = await plain(ctx.server.origin, '/?&&');
      assert.equal(res.status, 400);
      assert.equal(JSON.parse(res.body).detail, NO_NAME);
    });

    it('the spellings of one JSON answer get one answer (and one ETag)', async () => {
      const url = `${base}/tables/6`;
      const spellings = [
        [url, {}],
        [url, { accept: 'application/json' }],
        [url, { accept: '*/*' }],
        [url, { accept: 'application/json, text/csv;q=0.5' }],
        [`${url}?format=json`, { accept: 'text/csv' }],
        [`${url}?level=department`, {}],
        [`${url}?level=department&format=json`, { accept: 'application/*' }],
      ];
      const answers = await Promise.all(spellings.map(([u, h]) => ctx.client.raw(u, { headers: h })));
      for (const [i, res] of answers.entries()) {
        assert.equal(res.status, 200, `${spellings[i][0]} ${JSON.stringify(spellings[i][1])}`);
        assert.equal(res.headers.etag, answers[0].headers.etag, `${spellings[i][0]} ${JSON.stringify(spellings[i][1])}`);
        assert.deepEqual(res.body, answers[0].body);
      }
      assert.equal(answers[0].json.position, 6);
    });

    it('%2F in the path is a /: the same answer as the path written with /', async () => {
      const want = await plain(ctx.server.origin, `${base}/sangong`);
      assert.equal(want.status, 200);
      for (const path of [
        `${base.replace('/departments/', '/departments%2f')}/sangong`,
        `/api/v1/departments/${dept}/${ctx.data.kind}s%2F${ctx.data.year}%2Fsangong`,
      ]) {
        const res = await plain(ctx.server.origin, path);
        assert.equal(res.status, 200, path);
        assert.equal(res.headers.etag, want.headers.etag, path);
        assert.deepEqual(res.body, want.body, path);
      }
    });
  });
}
