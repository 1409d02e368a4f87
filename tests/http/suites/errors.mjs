// e. Errors: application/problem+json (RFC 9457) with the right status, title and detail,
// CORS headers, and nothing internal (SQL, file paths) in the body.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

const PROBLEM = 'application/problem+json; charset=utf-8';
const TITLES = {
  400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable', 414: 'URI Too Long',
};

/** Asserts res is the problem for status with detail (a string, or a RegExp). */
function expectProblem(res, status, detail, where) {
  assert.equal(res.status, status, `${where}: status; body: ${res.text ?? res.body}`);
  const h = (name) => (typeof res.headers.get === 'function' ? res.headers.get(name) : res.headers[name]);
  assert.equal(h('content-type'), PROBLEM, `${where}: Content-Type`);
  assert.equal(h('access-control-allow-origin'), '*', `${where}: CORS on errors`);
  assert.deepEqual(Object.keys(res.json).sort(), ['detail', 'status', 'title', 'type'], `${where}: problem members`);
  assert.equal(res.json.type, 'about:blank', `${where}: type`);
  assert.equal(res.json.title, TITLES[status], `${where}: title`);
  assert.equal(res.json.status, status, `${where}: status member`);
  if (detail instanceof RegExp) assert.match(res.json.detail, detail, `${where}: detail`);
  else assert.equal(res.json.detail, detail, `${where}: detail`);
}

export default function errors(ctx) {
  const { base, dept } = ctx;
  const YEAR = 'year must be a number from 1990 to 2100';
  const TABLE = 'table must be a number from 1 to 99 (its position, 表几)';
  const LIMIT = 'limit must be a number from 1 to 500';
  const NO_RESOURCE = 'no such resource';
  const cases = [
    // 400: a malformed parameter
    ['year abc', `/api/v1/departments/${dept}/budgets/abc`, 400, YEAR],
    ['year 1800', `/api/v1/departments/${dept}/budgets/1800`, 400, YEAR],
    ['year 2101', `/api/v1/departments/${dept}/budgets/2101/tables`, 400, YEAR],
    ['table 100', `${base}/tables/100`, 400, TABLE],
    ['table 0', `${base}/tables/0`, 400, TABLE],
    ['table abc', `${base}/tables/abc`, 400, TABLE],
    ['level abc', `${base}/tables?level=abc`, 400, 'level must be department or unit'],
    ['limit -1', '/api/v1/departments?limit=-1', 400, LIMIT],
    ['limit 0', '/api/v1/departments?limit=0', 400, LIMIT],
    ['limit 501', '/api/v1/departments?limit=501', 400, LIMIT],
    ['limit abc', '/api/v1/departments?limit=abc', 400, LIMIT],
    ['offset -5', '/api/v1/departments?offset=-5', 400, 'offset must be a number from 0 to 1000000000'],
    ['list year abc', '/api/v1/departments?year=abc', 400, YEAR],
    ['empty q', '/api/v1/departments?q=', 400, 'q must be 1 to 200 bytes'],
    ['format=xml on a table', `${base}/tables/1?format=xml`, 400, 'format must be json, csv or xlsx'],
    ['format=xml on the list', '/api/v1/departments?format=xml', 400, 'format must be json or csv'],
    ['format=csv on a department', '/api/v1/departments/kashi-urumqi-office?format=csv', 400, 'format must be json'],
    ['format=csv where JSON and XLSX are offered', `${base}?format=csv`, 400, 'format must be json or xlsx'],
    // 404: names nothing
    ['unknown department', '/api/v1/departments/nope', 404, 'no department "nope"'],
    ['unknown department of a disclosure', '/api/v1/departments/nope/budgets/2021', 404, 'no budget 2021 of department "nope"'],
    ['unknown year', `/api/v1/departments/${dept}/budgets/2020`, 404, `no budget 2020 of department "${dept}"`],
    ['unknown year, tables', `/api/v1/departments/${dept}/budgets/2020/tables/1`, 404, `no budget 2020 of department "${dept}"`],
    ['finals not published', `/api/v1/departments/${dept}/finals/2021`, 404, `no final 2021 of department "${dept}"`],
    ['unknown project', `${base}/projects/nope`, 404, 'no project "nope" in this disclosure'],
    ['a position past the last table', `${base}/tables/10`, 404, 'this disclosure has no table 10'],
    ['a unit disclosure not published', `${base}?level=unit`, 404, `no unit-level budget 2021 of department "${dept}"`],
    ['unknown top-level segment', '/api/v1/nope', 404, NO_RESOURCE],
    ['unknown part of a disclosure', `${base}/nope`, 404, NO_RESOURCE],
    ['a segment after a table', `${base}/tables/1/extra`, 404, NO_RESOURCE],
    ['a segment after sangong', `${base}/sangong/extra`, 404, NO_RESOURCE],
    ['a segment after a project', `${base}/projects/business-operations/extra`, 404, NO_RESOURCE],
    ['too short', '/api/v1/departments/x/budgets', 404, NO_RESOURCE],
    ['kind drafts', `/api/v1/departments/${dept}/drafts/2021`, 404, 'no such resource: use budgets or finals'],
    ['trailing slash', '/api/v1/departments/', 404, NO_RESOURCE],
    ['empty segment', '/api/v1//departments', 404, NO_RESOURCE],
    ['dot segments sent as is', `${base}/../2021`, 404, NO_RESOURCE],
    ['another API version', '/api/v2/departments', 404, 'no such resource: the API is under /api/v1/'],
  ];

  describe('errors are problem+json', () => {
    for (const [name, url, status, detail] of cases) {
      it(`${status} ${name}: ${url.length > 70 ? `${url.slice(0, 70)}…` : url}`, async () => {
        // node:http sends the path exactly as written (fetch would resolve "..")
        const res = await ctx.client.raw(url);
        expectProblem({ ...res, text: res.body.toString() }, status, detail, url);
      });
    }

    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      it(`405 ${method} with Allow: GET, HEAD, OPTIONS`, async () => {
        for (const url of ['/api/v1/departments', `${base}/tables/1`]) {
          const res = await ctx.client.api(url, {
            method, headers: { 'content-type': 'application/json' }, body: method === 'DELETE' ? undefined : '{"x":1}',
          });
          expectProblem(res, 405, 'use GET or HEAD', `${method} ${url}`);
          assert.equal(res.headers.get('allow'), 'GET, HEAD, OPTIONS', `${method} ${url}: Allow`);
        }
      });
    }

    it('406 Accept: image/png on a table', async () => {
      const res = await ctx.client.api(`${base}/tables/1`, { headers: { accept: 'image/png' } });
      expectProblem(res, 406, 'this resource is offered as application/json, text/csv and application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'Accept: image/png');
    });

    it('406 Accept: text/csv on a department', async () => {
      const res = await ctx.client.api('/api/v1/departments/kashi-urumqi-office', { headers: { accept: 'text/csv' } });
      expectProblem(res, 406, 'this resource is offered as application/json', 'Accept: text/csv');
    });

    it('406 when JSON is refused with q=0', async () => {
      const res = await ctx.client.api(`/api/v1/departments/${dept}`, { headers: { accept: 'application/json;q=0, image/png' } });
      expectProblem(res, 406, 'this resource is offered as application/json', 'q=0');
    });

    it('414 for a path longer than 2048 bytes; 2048 bytes is still served', async () => {
      const prefix = '/api/v1/departments/';
      const at = (len) => `${prefix}${'x'.repeat(len - prefix.length)}`;
      const longest = await ctx.client.raw(at(2048));
      expectProblem({ ...longest, text: longest.body.toString() }, 404, /^no department "x+"$/, '2048 bytes');
      const res = await ctx.client.raw(at(2049));
      expectProblem({ ...res, text: res.body.toString() }, 414, 'the URL is longer than 2048 bytes', '2049 bytes');
      const far = await ctx.client.api(at(5000));
      assert.equal(far.status, 414, '5000 bytes');
    });

    it('414 for a URL longer than 2048 bytes because of its query', async () => {
      const url = `/api/v1/departments?limit=1&pad=${'x'.repeat(2100)}`;
      const res = await ctx.client.raw(url);
      expectProblem({ ...res, text: res.body.toString() }, 414, /longer than 2048 bytes/, `${url.length}-byte URL`);
    });
  });
}
