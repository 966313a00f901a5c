import { HTTPException } from 'hono/http-exception';
import { parse as parseYaml } from 'yaml';

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

export function isYamlContentType(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return YAML_TYPES.includes(type);
}

/**
 * A workflow document from a request body, JSON or YAML by its content type.
 * Syntax errors are the client's: 400 with the parser's own position.
 */
export function parseWorkflowBody(text: string, contentType: string | undefined): unknown {
  if (isYamlContentType(contentType)) {
    try {
      // aliases are capped so a small body cannot expand into a huge document
      return parseYaml(text, { maxAliasCount: 50, uniqueKeys: true });
    } catch (error) {
      throw new HTTPException(400, { message: `the body is not valid YAML: ${(error as Error).message.split('\n')[0]}` });
    }
  }
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new HTTPException(415, { message: 'send the workflow as application/json or application/yaml' });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HTTPException(400, { message: `the body is not valid JSON: ${(error as Error).message}` });
  }
}
