// Validates a Fiscal Data Package with Frictionless's own JS library (npm datapackage, which
// ships the fiscal-data-package profile): the descriptor against the profile it names
// (tabular-data-package) AND against the fiscal-data-package profile (which is that profile
// plus the model: measures, dimensions), then every row of every resource cast against its
// Table Schema (types, required, enum, pattern). Any problem is an error: nothing skipped.
//
// The descriptor says "profile": "tabular-data-package": the library's fiscal-data-package
// JSON Schema is allOf [tabular-data-package, model], and the first admits no other value.
//
//   node tests/datapackage/validate.mjs http://127.0.0.1:8080/api/v1/datapackage.json
//
// Prints one line per resource (rows read) and exits 0, or prints the problems and exits 1.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const { Package, Profile } = require('datapackage');

/** Loads descriptor (a URL or a file) and checks it all. Returns {profile, rows: {name: n},
 * errors: [text]}; errors empty when the package is valid. */
export async function validatePackage(descriptor) {
  const errors = [];
  const rows = {};
  const pkg = await Package.load(descriptor);
  const profile = pkg.descriptor.profile;
  if (profile !== 'tabular-data-package') errors.push(`profile is ${profile}, not tabular-data-package`);
  if (!pkg.valid) for (const e of pkg.errors) errors.push(`descriptor: ${e.message}`);
  const fdp = await Profile.load('fiscal-data-package');
  const checked = fdp.validate(pkg.descriptor);
  if (!checked.valid) for (const e of checked.errors) errors.push(`fiscal-data-package: ${e.message}`);
  if (!pkg.descriptor.model?.measures || !Object.keys(pkg.descriptor.model.measures).length) {
    errors.push('fiscal-data-package: the model has no measure');
  }
  for (const resource of pkg.resources) {
    if (!resource.tabular) {
      errors.push(`resource ${resource.name} is not tabular`);
      continue;
    }
    if (!resource.valid) for (const e of resource.errors) errors.push(`resource ${resource.name}: ${e.message}`);
    try {
      // cast: every value to its field's type, constraints checked; a failure throws.
      const table = await resource.read({ keyed: true, cast: true });
      rows[resource.name] = table.length;
      const fields = resource.schema.fieldNames;
      if (JSON.stringify(resource.headers) !== JSON.stringify(fields)) {
        errors.push(`resource ${resource.name}: header ${JSON.stringify(resource.headers)} is not the schema's fields`);
      }
      if (table.length === 0) errors.push(`resource ${resource.name}: no rows`);
      // Every model source names a field of the resource.
      for (const part of ['measures', 'dimensions']) {
        for (const [name, m] of Object.entries(pkg.descriptor.model?.[part] ?? {})) {
          const sources = m.source ? [m.source] : Object.values(m.attributes ?? {}).map((a) => a.source);
          for (const s of sources) if (!fields.includes(s)) errors.push(`model ${part}.${name}: no field ${s}`);
        }
      }
    } catch (e) {
      const detail = (e.errors || []).slice(0, 10).map((x) => x.message).join('; ');
      errors.push(`resource ${resource.name}: ${e.message}${detail ? `: ${detail}` : ''}`);
    }
  }
  return { profile, rows, errors, package: pkg };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: node tests/datapackage/validate.mjs DESCRIPTOR-URL-OR-FILE');
    process.exit(2);
  }
  const { rows, errors } = await validatePackage(target);
  for (const [name, n] of Object.entries(rows)) console.log(`${name}: ${n} rows valid`);
  for (const e of errors) console.error(e);
  process.exit(errors.length ? 1 : 0);
}
