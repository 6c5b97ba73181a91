// The client's declared wire types (src/index.d.ts) against the gateway's OpenAPI document
// (src/main/resources/openapi/openapi.json, which OpenApiDocumentTest holds to the server's code): the same fields,
// and the same values for every closed vocabulary, so the types cannot drift from the server again. Read with
// TypeScript's compiler API; no gateway needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const document = JSON.parse(readFileSync(here('../../../src/main/resources/openapi/openapi.json'), 'utf8'));
const DECLARATIONS = here('../src/index.d.ts');

const program = ts.createProgram([DECLARATIONS], { strict: true, noEmit: true, types: [] });
const checker = program.getTypeChecker();
const module = checker.getSymbolAtLocation(program.getSourceFile(DECLARATIONS));
const exported = new Map(checker.getExportsOfModule(module).map((symbol) => [symbol.name, symbol]));

/** A declared interface or type alias of the client, by name. */
function declared(name) {
  const symbol = exported.get(name);
  assert.ok(symbol, `src/index.d.ts exports ${name}`);
  return checker.getDeclaredTypeOfSymbol(symbol);
}

/** A property's type, without null and undefined. */
function propertyType(type, name) {
  const property = checker.getPropertyOfType(type, name);
  assert.ok(property, `${checker.typeToString(type)} has ${name}`);
  return checker.getNonNullableType(checker.getTypeOfSymbol(property));
}

/** The string literals a type is made of; null when it admits any string (a drifting vocabulary). */
function literals(type) {
  const parts = type.isUnion() ? type.types : [type];
  if (parts.some((part) => part.flags & ts.TypeFlags.String)) return null;
  return parts.filter((part) => part.isStringLiteral()).map((part) => part.value).sort();
}

function schema(name) {
  const found = document.components.schemas[name];
  assert.ok(found, `the OpenAPI document has the schema ${name}`);
  return found;
}

/** A property's schema, following a $ref, and into an array's items. */
function resolve(node) {
  if (node?.$ref) return resolve(document.components.schemas[node.$ref.split('/').pop()]);
  if (node?.allOf?.length === 1) return resolve(node.allOf[0]);
  return node;
}

const fields = (node) => Object.keys(resolve(node).properties ?? {}).sort();
const declaredFields = (type) => checker.getPropertiesOfType(type).map((property) => property.name).sort();

/** The wire types: the document's schema and the declaration that must say the same. */
const WIRE = [
  ['Job', 'Job'],
  ['JobError', 'JobError'],
  ['Delivery', 'Delivery'],
  ['OutputFile', 'OutputFile'],
  ['Timeline', 'Timeline'],
  ['TimelineEntry', 'TimelineEntry'],
  ['MintedToken', 'ReadToken'],
  ['SubmitAnswer', 'SubmittedJob'],
];

/** Whether a property's schema admits null: `type: [..., "null"]`, or a `{"type": "null"}` among its alternatives. */
function nullable(node) {
  if (!node) return false;
  if (Array.isArray(node.type) && node.type.includes('null')) return true;
  if (node.type === 'null') return true;
  for (const alternatives of [node.anyOf, node.oneOf, node.allOf]) {
    if (alternatives?.some((alternative) => nullable(alternative))) return true;
  }
  return node.$ref ? nullable(resolve(node)) : false;
}

function declaredNullable(type, name) {
  const property = checker.getPropertyOfType(type, name);
  const whole = checker.getTypeOfSymbol(property);
  const parts = whole.isUnion() ? whole.types : [whole];
  return parts.some((part) => part.flags & ts.TypeFlags.Null);
}

for (const [schemaName, typeName] of WIRE) {
  test(`${typeName} declares exactly the fields of the document's ${schemaName}, null where it may be null`, () => {
    const type = declared(typeName);
    assert.deepEqual(declaredFields(type), fields(schema(schemaName)));
    const properties = resolve(schema(schemaName)).properties;
    const mismatched = Object.entries(properties)
      .filter(([name, property]) => nullable(property) !== declaredNullable(type, name))
      .map(([name, property]) => `${name}: document ${nullable(property) ? 'nullable' : 'never null'}`);
    assert.deepEqual(mismatched, []);
  });
}

test("every closed vocabulary of the document's job is the declaration's, value for value", () => {
  const job = declared('Job');
  const vocabularies = [
    ['status', schema('Job').properties.status, propertyType(job, 'status')],
    ['provider', schema('Job').properties.provider, propertyType(job, 'provider')],
    ['completed_via', schema('Job').properties.completed_via, propertyType(job, 'completed_via')],
    ['output_storage', schema('Job').properties.output_storage, propertyType(job, 'output_storage')],
    ['error.source', schema('JobError').properties.source, propertyType(declared('JobError'), 'source')],
    ['delivery.state', schema('Delivery').properties.state, propertyType(declared('Delivery'), 'state')],
    ['output_files[].state', schema('OutputFile').properties.state, propertyType(declared('OutputFile'), 'state')],
  ];
  for (const [name, property, type] of vocabularies) {
    const values = resolve(property).enum;
    assert.ok(Array.isArray(values) && values.length > 0, `the document closes ${name}`);
    assert.deepEqual(literals(type), values.filter((value) => value !== null).sort(), name);
  }
  assert.ok(literals(declared('ErrorSource')).includes('upstream_lost'));
});

test("the submit request's providers are the job's, and ProviderOutputs has one entry per provider", () => {
  const providers = resolve(schema('Job').properties.provider).enum.filter((value) => value !== null).sort();
  assert.deepEqual(schema('SubmitRequest').properties.provider.enum.slice().sort(), providers);
  assert.deepEqual(literals(declared('ProviderName')), providers);
  assert.deepEqual(declaredFields(declared('ProviderOutputs')), providers);
});

test("the declared output takes every JSON shape the document allows, Replicate's array of URLs included", () => {
  const allowed = resolve(schema('Job').properties.output).type;
  assert.ok(Array.isArray(allowed) && allowed.includes('array') && allowed.includes('object'),
    `the document's output is any of several JSON types: ${JSON.stringify(allowed)}`);
  const samples = { object: '{ images: [{ url: "https://x.test/a.png" }] }', array: '["https://x.test/a.png"]',
    string: '"https://x.test/a.png"', number: '1', boolean: 'true', null: 'null' };
  const source = [
    "import type { Job, OutputOf } from './index.js';",
    "declare const job: Job;",
    ...allowed.map((kind, i) => `const s${i}: Job['output'] = ${samples[kind]};`),
    "const replicate: OutputOf<'replicate'> = ['https://x.test/a.png', 'https://x.test/b.png'];",
    "const comfy: OutputOf<'comfyui'> = { images: [{ url: 'https://x.test/view?f=a.png' }] };",
    "export { job, replicate, comfy };",
  ].join('\n');
  const probe = here('../src/contract-probe.ts');
  const host = ts.createCompilerHost({ strict: true, noEmit: true, types: [] });
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (file, version) => (file === probe
    ? ts.createSourceFile(file, source, version) : read(file, version));
  host.fileExists = ((exists) => (file) => file === probe || exists(file))(host.fileExists.bind(host));
  const checked = ts.createProgram([probe], { strict: true, noEmit: true, types: [],
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext }, host);
  const problems = ts.getPreEmitDiagnostics(checked)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  assert.deepEqual(problems, [], source);
});

test('every problem type the document lists is an absolute URI, as the client documents', () => {
  const types = schema('ProblemType').enum;
  assert.ok(types.length > 20);
  for (const type of types) assert.match(type, /^https:\/\/job-gateway\.dev\/problems\/[a-z-]+$/);
  assert.ok(types.includes('https://job-gateway.dev/problems/job-not-found'));
});
