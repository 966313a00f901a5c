import fc from 'fast-check';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const METHODS: Method[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export interface Operation {
  method: Method;
  /** OpenAPI template, e.g. /v1/workflows/{id}/executions */
  path: string;
  pathParams: string[];
  /** fields a JSON body must have; undefined when the operation takes no body */
  requiredBodyFields: string[] | undefined;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; requestBody?: { content?: Record<string, { schema?: unknown }> } }>>;
  components?: { schemas?: Record<string, unknown> };
}

function requiredFields(schema: unknown, document: OpenApiDocument): string[] {
  const ref = (schema as { $ref?: string } | undefined)?.$ref;
  const resolved = ref ? document.components?.schemas?.[ref.replace('#/components/schemas/', '')] : schema;
  return ((resolved as { required?: string[] } | undefined)?.required ?? []).slice();
}

/** Every operation the api documents. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item[method.toLowerCase()];
      if (!operation) return [];
      const json = operation.requestBody?.content?.['application/json'];
      return [
        {
          method,
          path,
          pathParams: (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
          requiredBodyFields: json ? requiredFields(json.schema, document) : undefined,
        },
      ];
    }),
  );
}

export interface ProjectIds {
  project: string;
  workflow: string;
  execution: string;
  key: string;
}

export interface Fixture {
  adminToken: string;
  /** all scopes, project A */
  key: string;
  /** only the read scope, project A */
  readKey: string;
  /** revoked, project A */
  revokedKey: string;
  own: ProjectIds;
  /** another project's ids: a key of A must not reach them */
  foreign: ProjectIds;
  loginPaths: string[];
  browserPaths: Array<{ method: Method; path: string }>;
}

export interface FuzzRequest {
  /** which guaranteed-invalid part the request has, for the failure message */
  flaw: string;
  method: Method;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 80 });
/** what an HTTP header value may carry: Latin-1 without control characters */
const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f && (c < 0x80 || c > 0x9f)).map((c) => String.fromCharCode(c)), maxLength: 300 });
const anyText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('', ' ', '%', '%00', '\u0000', 'null', 'undefined', '-1', '1e309', 'NaN', '[]', '{}', '<script>', "' OR 1=1 --", '../../etc/passwd', '\u202e', '🦀'.repeat(50)),
  fc.string({ unit: 'grapheme-ascii', minLength: 1000, maxLength: 4000 }),
);

function pathParamValue(template: string, name: string, ids: ProjectIds): string {
  if (name === 'keyId') return ids.key;
  if (template.startsWith('/v1/projects/')) return ids.project;
  if (template.startsWith('/v1/workflows/')) return ids.workflow;
  return ids.execution;
}

function fillPath(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name]!));
}

function ownParams(op: Operation, fixture: Fixture): Record<string, string> {
  return Object.fromEntries(op.pathParams.map((name) => [name, pathParamValue(op.path, name, fixture.own)]));
}

/** The credential that may call the operation, so a flaw elsewhere is what gets refused. */
function authorizedToken(op: Operation, fixture: Fixture): string {
  const operatorOnly = op.path === '/v1/projects' || (op.path === '/v1/projects/{id}' && op.method === 'PATCH');
  return operatorOnly ? fixture.adminToken : fixture.key;
}

const badCredential = (fixture: Fixture) =>
  fc.oneof(
    fc.constant(undefined),
    printable.map((s) => `Bearer ${s}`),
    printable,
    fc.base64String({ maxLength: 60 }).map((s) => `Basic ${s}`),
    fc.constantFrom(`Token ${fixture.key}`, `Bearer ${fixture.revokedKey}`, `Bearer ${fixture.key}x`, `Bearer ${fixture.adminToken.slice(0, -1)}`, 'Bearer', 'Basic Og=='),
    headerValue.map((s) => `Bearer ${s}`),
  );

const jsonSyntaxError = fc.oneof(
  fc.constantFrom('{', '{"input":', '{"a":}', "{'name':'x'}", '[1,2', 'nul', '{"name":"x",}', '\u0000', '{"a":1}{"b":2}'),
  fc.json().map((text) => text.slice(0, -1)).filter((text) => {
    try {
      JSON.parse(text);
      return false;
    } catch {
      return true;
    }
  }),
);
const nonObjectJson = fc.oneof(fc.array(fc.jsonValue(), { maxLength: 5 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.string()).map((v) => JSON.stringify(v));
const objectWithout = (required: string[]) =>
  fc.dictionary(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 })
    .map((object) => Object.fromEntries(Object.entries(object).filter(([key]) => !required.includes(key))))
    .map((object) => JSON.stringify(object));
/** larger than the api's default body limit (1 MiB) for everything but batches */
const OVERSIZED_BODY = `{"name":"${'x'.repeat(1024 * 1024 + 1)}"}`;
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/yaml', '*/*', 'garbage') },
  { weight: 1, arbitrary: printable },
);

/** Extra query parameters and headers, harmless or hostile, layered on every request. */
function noise() {
  const queryKey = fc.oneof(fc.constantFrom('limit', 'cursor', 'status', 'workflowId', 'from', 'to', 'version', 'presign', 'timeoutSeconds', 'since', 'next'), fc.string({ maxLength: 12 }));
  const queryValue = fc.oneof(anyText, fc.integer().map(String), fc.constantFrom('-1', '0', '1001', '99999999999999999999', 'true', 'queued,running'));
  return fc.record({
    query: fc.array(fc.tuple(queryKey, queryValue), { maxLength: 4 }),
    headers: fc.dictionary(
      fc.oneof(fc.constantFrom('idempotency-key', 'x-request-id', 'last-event-id', 'accept-language', 'if-none-match'), printable.map((s) => `x-fuzz-${s.replace(/[^A-Za-z0-9-]/g, '')}`)),
      headerValue,
      { maxKeys: 3 },
    ),
  });
}

function withNoise(request: FuzzRequest, extra: { query: Array<[string, string]>; headers: Record<string, string> }): FuzzRequest {
  const query = new URLSearchParams(extra.query).toString();
  return { ...request, path: query ? `${request.path}?${query}` : request.path, headers: { ...extra.headers, ...request.headers } };
}

function authorization(value: string | undefined): Record<string, string> {
  return value === undefined ? {} : { authorization: value };
}

/** A path segment that is no dot segment, which URL parsing would fold away. */
const malformedSegment = anyText.map((text) => (/^\.*$/.test(text) ? `${text}x` : text));

/**
 * Requests that each carry at least one flaw the api must refuse (bad
 * credential, another project's id, a malformed id, a broken body, a method
 * or path that does not exist, a missing scope), plus random noise. Every
 * one must get a 4xx problem and change nothing.
 */
export function malformedRequest(operations: Operation[], fixture: Fixture): fc.Arbitrary<FuzzRequest> {
  const withParams = operations.filter((op) => op.pathParams.length > 0);
  const withBody = operations.filter((op) => op.requiredBodyFields !== undefined);
  const writes = operations.filter((op) => op.method !== 'GET' && op.path !== '/v1/projects');
  const templates = [...new Set(operations.map((op) => op.path))];

  const badAuth = fc.tuple(fc.constantFrom(...operations), badCredential(fixture)).map(([op, credential]): FuzzRequest => ({
    flaw: 'credential',
    method: op.method,
    path: fillPath(op.path, ownParams(op, fixture)),
    headers: authorization(credential),
    ...(op.requiredBodyFields !== undefined ? { body: '{}' } : {}),
  }));

  const foreignId = fc
    .tuple(fc.constantFrom(...withParams), fc.nat(), fc.oneof(fc.constantFrom(...Object.values(fixture.foreign)), fc.uuid()))
    .map(([op, index, id]): FuzzRequest => {
      const name = op.pathParams[index % op.pathParams.length]!;
      return {
        flaw: `foreign or unknown ${name}`,
        method: op.method,
        path: fillPath(op.path, { ...ownParams(op, fixture), [name]: id }),
        headers: { authorization: `Bearer ${fixture.key}`, ...(op.requiredBodyFields !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(op.requiredBodyFields !== undefined ? { body: '{"input":{"name":"x"},"name":"x","scopes":["read"],"items":[{"input":{"name":"x"}}]}' } : {}),
      };
    });

  const malformedId = fc.tuple(fc.constantFrom(...withParams), fc.nat(), malformedSegment).map(([op, index, value]): FuzzRequest => {
    const name = op.pathParams[index % op.pathParams.length]!;
    return {
      flaw: `malformed ${name}`,
      method: op.method,
      path: fillPath(op.path, { ...ownParams(op, fixture), [name]: value }),
      headers: { authorization: `Bearer ${authorizedToken(op, fixture)}` },
    };
  });

  const brokenBody = fc.constantFrom(...withBody).chain((op) =>
    fc
      .tuple(
        fc.oneof(
          { weight: 4, arbitrary: jsonSyntaxError },
          { weight: 4, arbitrary: nonObjectJson },
          ...(op.requiredBodyFields!.length > 0 ? [{ weight: 4, arbitrary: objectWithout(op.requiredBodyFields!) }] : []),
          ...(op.path.endsWith('/batch') ? [] : [{ weight: 1, arbitrary: fc.constant(OVERSIZED_BODY) }]),
        ),
        contentType,
      )
      .map(([body, type]): FuzzRequest => ({
        flaw: 'body',
        method: op.method,
        path: fillPath(op.path, ownParams(op, fixture)),
        headers: { authorization: `Bearer ${authorizedToken(op, fixture)}`, 'content-type': type },
        body,
      })),
  );

  const wrongMethod = fc
    .constantFrom(...templates)
    .chain((template) => {
      const defined = operations.filter((op) => op.path === template).map((op) => op.method);
      const missing = METHODS.filter((m) => !defined.includes(m));
      return fc.tuple(fc.constant(template), fc.constantFrom(...missing));
    })
    .map(([template, method]): FuzzRequest => {
      const op = operations.find((o) => o.path === template)!;
      return {
        flaw: 'method',
        method,
        path: fillPath(template, ownParams(op, fixture)),
        headers: { authorization: `Bearer ${authorizedToken(op, fixture)}`, 'content-type': 'application/json' },
        ...(method === 'GET' ? {} : { body: '{}' }),
      };
    });

  const knownFirstSegments = new Set(['projects', 'workflows', 'executions']);
  const unknownPath = fc
    .tuple(fc.boolean(), fc.array(malformedSegment, { minLength: 1, maxLength: 4 }), fc.constantFrom<Method>(...METHODS))
    .filter(([underV1, segments]) => !(underV1 && knownFirstSegments.has(segments[0]!)) && (underV1 || /[^A-Za-z]/.test(segments[0]!)))
    .map(([underV1, segments, method]): FuzzRequest => ({
      flaw: 'unknown path',
      method,
      path: `${underV1 ? '/v1' : ''}/${segments.map(encodeURIComponent).join('/')}`,
      headers: { authorization: `Bearer ${fixture.key}` },
    }));

  const missingScope = fc.constantFrom(...writes).map((op): FuzzRequest => ({
    flaw: 'read-only key on a write',
    method: op.method,
    path: fillPath(op.path, ownParams(op, fixture)),
    headers: { authorization: `Bearer ${fixture.readKey}`, 'content-type': 'application/json' },
    ...(op.requiredBodyFields !== undefined ? { body: '{"input":{"name":"x"},"name":"x","scopes":["read"],"items":[{"input":{"name":"x"}}]}' } : {}),
  }));

  const browserPage = fc.tuple(fc.constantFrom(...fixture.browserPaths), badCredential(fixture)).map(([page, credential]): FuzzRequest => ({
    flaw: 'operator page without the admin token',
    method: page.method,
    path: page.path,
    headers: authorization(credential),
  }));

  const badLogin = fc
    .tuple(fc.constantFrom(...fixture.loginPaths), fc.oneof(headerValue, fc.constantFrom(fixture.key, fixture.revokedKey)), fc.option(headerValue), contentType)
    .map(([path, token, next, type]): FuzzRequest => ({
      flaw: 'sign-in without the admin token',
      method: 'POST',
      path,
      headers: { 'content-type': type },
      body: new URLSearchParams({ token, ...(next === null ? {} : { next }) }).toString(),
    }));

  const flawed = fc.oneof(badAuth, foreignId, malformedId, { arbitrary: brokenBody, weight: 2 }, wrongMethod, unknownPath, missingScope, browserPage, badLogin);
  return fc.tuple(flawed, noise()).map(([request, extra]) => withNoise(request, extra));
}
