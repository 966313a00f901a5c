import { html, raw } from 'hono/html';
import { z } from 'zod';
import { PAGE_STYLE } from './adminPages.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const parameterSchema = z.looseObject({
  name: z.string(),
  in: z.string(),
  required: z.boolean().optional(),
  description: z.string().optional(),
  schema: z.unknown().optional(),
});

const operationSchema = z.looseObject({
  operationId: z.string().optional(),
  summary: z.string().optional(),
  description: z.string().optional(),
  tags: z.array(z.string()).optional(),
  parameters: z.array(z.union([parameterSchema, z.looseObject({ $ref: z.string() })])).optional(),
  requestBody: z.looseObject({ content: z.record(z.string(), z.looseObject({ schema: z.unknown().optional() })).optional() }).optional(),
  responses: z.record(z.string(), z.looseObject({ description: z.string().optional() })).optional(),
});

/** The part of an OpenAPI 3.1 document the page shows; anything else in it is ignored. */
const documentSchema = z.looseObject({
  info: z.looseObject({ title: z.string(), version: z.string(), description: z.string().optional() }),
  paths: z.record(z.string(), z.looseObject(Object.fromEntries(METHODS.map((m) => [m, operationSchema.optional()])))).default({}),
  components: z.looseObject({ schemas: z.record(z.string(), z.unknown()).optional() }).optional(),
});

type Operation = z.infer<typeof operationSchema>;

export interface DocumentedOperation {
  method: (typeof METHODS)[number];
  path: string;
  operation: Operation;
}

/** Every operation of the document in path order, methods in a fixed order within a path. */
export function operationsOf(document: unknown): { info: z.infer<typeof documentSchema>['info']; operations: DocumentedOperation[]; schemas: Record<string, unknown> } {
  const parsed = documentSchema.parse(document);
  const operations = Object.entries(parsed.paths)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([path, item]) =>
      METHODS.flatMap((method) => {
        const operation = item[method] as Operation | undefined;
        return operation ? [{ method, path, operation }] : [];
      }),
    );
  return { info: parsed.info, operations, schemas: parsed.components?.schemas ?? {} };
}

function anchorOf(op: DocumentedOperation): string {
  return `${op.method}-${op.path.replace(/[^\w]+/g, '-')}`;
}

function renderParameters(operation: Operation) {
  const parameters = (operation.parameters ?? []).filter((p): p is z.infer<typeof parameterSchema> => 'name' in p);
  if (parameters.length === 0) return '';
  return html`<table>
<tr><th>parameter</th><th>in</th><th>required</th><th>schema</th></tr>
${parameters.map((p) => html`<tr><td><code>${p.name}</code></td><td>${p.in}</td><td>${p.required ? 'yes' : 'no'}</td><td><code>${JSON.stringify(p.schema ?? {})}</code></td></tr>`)}
</table>`;
}

function renderBody(operation: Operation) {
  const content = operation.requestBody?.content ?? {};
  return Object.entries(content).map(
    ([type, media]) => html`<details><summary>request body: <code>${type}</code></summary><pre>${JSON.stringify(media.schema ?? {}, null, 2)}</pre></details>`,
  );
}

function renderResponses(operation: Operation) {
  const responses = Object.entries(operation.responses ?? {});
  if (responses.length === 0) return '';
  return html`<ul class="responses">${responses.map(([status, r]) => html`<li><code>${status}</code> ${r.description ?? ''}</li>`)}</ul>`;
}

function renderOperation(op: DocumentedOperation) {
  const { operation } = op;
  return html`<section class="operation" id="${anchorOf(op)}">
<h3><span class="method ${op.method}">${op.method.toUpperCase()}</span> <code>${op.path}</code></h3>
${operation.summary ? html`<p><strong>${operation.summary}</strong></p>` : ''}
${operation.description ? html`<p>${operation.description}</p>` : ''}
${renderParameters(operation)}
${renderBody(operation)}
${renderResponses(operation)}
</section>`;
}

const DOCS_STYLE = `
  nav ul { columns: 2; padding-left: 1rem; }
  .operation { border-top: 1px solid #d0d7de; padding: .5rem 0; }
  .method { display: inline-block; min-width: 4.5rem; font-family: ui-monospace, monospace; }
  .get { color: #0b6e4f; } .post { color: #1f4fb8; } .put, .patch { color: #8a5a00; } .delete { color: #9a1b1b; }
  table { border-collapse: collapse; margin: .5rem 0; }
  th, td { text-align: left; padding: .15rem .6rem .15rem 0; vertical-align: top; }
  pre { background: #f6f8fa; padding: .5rem; overflow-x: auto; }
`;

/**
 * The API reference as one static page rendered on the server from the
 * OpenAPI document: no script and nothing fetched from a CDN, so it works
 * offline and under a strict content security policy.
 */
export function docsPage(document: unknown) {
  const { info, operations, schemas } = operationsOf(document);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${info.title} ${info.version}</title>
<style>${raw(PAGE_STYLE + DOCS_STYLE)}</style>
</head>
<body>
<h1>${info.title} <small>${info.version}</small></h1>
${info.description ? html`<p>${info.description}</p>` : ''}
<p>The machine-readable document is at <a href="/openapi.json"><code>/openapi.json</code></a>.</p>
<nav aria-label="operations"><h2>Operations</h2><ul>
${operations.map((op) => html`<li><a href="#${anchorOf(op)}">${op.method.toUpperCase()} ${op.path}</a></li>`)}
</ul></nav>
<main>
${operations.map(renderOperation)}
</main>
<h2>Schemas</h2>
${Object.entries(schemas).map(([name, schema]) => html`<details id="schema-${name}"><summary><code>${name}</code></summary><pre>${JSON.stringify(schema, null, 2)}</pre></details>`)}
</body>
</html>`;
}
