import { join } from 'node:path';

/** What local mode prints once it is up: where the API is and how to try it. */
export function exampleCommands(apiUrl: string, apiKey: string, dataDir: string): string {
  const auth = `-H "Authorization: Bearer $(cat ${join(dataDir, 'api-key')})"`;
  return [
    '',
    `Flow-Like is running at ${apiUrl}`,
    `  API key of project "default": ${apiKey.slice(0, 12)}… (saved in ${join(dataDir, 'api-key')})`,
    `  Queue dashboard: ${apiUrl}/admin/queues (admin token in ${join(dataDir, 'admin-token')})`,
    '',
    'Register the example workflow, then run it:',
    `  curl -s ${auth} -H 'content-type: application/json' --data @examples/hello-world.json ${apiUrl}/v1/workflows`,
    `  curl -s ${auth} -H 'content-type: application/json' -d '{"input":{"name":"world"}}' ${apiUrl}/v1/workflows/<workflow id>/executions`,
    `  curl -s ${auth} ${apiUrl}/v1/executions/<execution id>`,
    `  curl -s ${auth} ${apiUrl}/v1/executions/<execution id>/result`,
    '',
    'Stop with Ctrl-C; data stays in ' + dataDir,
    '',
  ].join('\n');
}
