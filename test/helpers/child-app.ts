import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { exited } from './apps';
import { ADMIN_TOKEN } from './env';

export interface ChildApp {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Runs a Node script from the repo that prints `listening <port>`, as its own process. */
export async function startChildApp(script: string, env: Record<string, string>): Promise<ChildApp> {
  const child = spawn(process.execPath, [join(__dirname, '..', '..', script)], {
    cwd: join(__dirname, '..', '..'),
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk) => (output += chunk));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      const match = /listening (\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}

export interface EndpointRow {
  service: string;
  method: string;
  route: string;
  requests: number;
  errorRate: number;
  p95Ms: number;
}

/** `/api/v1/metrics/endpoints` for one project and service over the last hour. */
export async function endpoints(apiUrl: string, projectId: string, service: string): Promise<EndpointRow[]> {
  const response = await fetch(`${apiUrl}/api/v1/metrics/endpoints?window=1h&project=${projectId}&service=${service}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  if (!response.ok) throw new Error(`metrics/endpoints: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { items: EndpointRow[] }).items;
}
