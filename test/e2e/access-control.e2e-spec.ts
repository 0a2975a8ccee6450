import { createProjectKey, runCli, useStack } from '../helpers/apps';
import { ADMIN_TOKEN, testEnv } from '../helpers/env';

/** Management tokens made by the CLI, each role against representative routes. */
describe('access control', () => {
  const env = testEnv();
  const stack = useStack(env, { worker: false });
  const tokens: Record<'viewer' | 'editor' | 'admin', string> = { viewer: '', editor: '', admin: '' };
  let ingestKey: string;

  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.api.url}/api/v1/${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  const createWithCli = async (name: string, role: string) => {
    const result = await runCli(env, ['tokens:create', '--name', name, '--role', role]);
    expect(result).toMatchObject({ code: 0 });
    return result.stdout.trim().split('\n').at(-1)!;
  };

  const silence = () => ({
    matchers: [{ name: 'service', op: '=', value: 'shop' }],
    endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    createdBy: 'ann',
    comment: 'access test',
  });

  beforeAll(async () => {
    for (const role of ['viewer', 'editor', 'admin'] as const) tokens[role] = await createWithCli(`${role}-${env.REDIS_KEY_PREFIX}`, role);
    ingestKey = (await createProjectKey(stack.api.url)).key;
  });

  it('the CLI shows a token once and lists only its prefix', async () => {
    expect(tokens.viewer).toMatch(/^vgt_[A-Za-z0-9_-]{32}$/);
    const listed = await runCli(env, ['tokens:list', '--json']);
    const rows = JSON.parse(listed.stdout) as { name: string; role: string; prefix: string }[];
    expect(rows).toContainEqual(expect.objectContaining({ name: `viewer-${env.REDIS_KEY_PREFIX}`, role: 'viewer', prefix: tokens.viewer.slice(0, 12) }));
    for (const token of Object.values(tokens)) expect(listed.stdout).not.toContain(token);
  });

  it('a bad role is refused by the CLI and the API, naming the field', async () => {
    const cli = await runCli(env, ['tokens:create', '--name', 'x', '--role', 'root']);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('role must be one of viewer, editor, admin');
    const api = await call(ADMIN_TOKEN, 'POST', 'tokens', { name: 'x', role: 'root' });
    expect(api.status).toBe(400);
    expect(api.body.error.details).toEqual([{ path: 'role', message: 'must be one of viewer, editor, admin' }]);
  });

  it('viewer reads, and every write is 403 naming the role it needs', async () => {
    for (const path of ['projects', 'rules', 'alerts', 'silences', 'channels', 'metrics/summary?window=15m', 'dashboard']) {
      expect([path, (await call(tokens.viewer, 'GET', path)).status]).toEqual([path, 200]);
    }
    const rule = await call(tokens.viewer, 'POST', 'rules', {});
    expect(rule.status).toBe(403);
    expect(rule.body.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('needs the editor role'), details: [{ path: 'role', message: 'requires editor' }] });
    const project = await call(tokens.viewer, 'POST', 'projects', { name: 'nope' });
    expect(project.status).toBe(403);
    expect(project.body.error.details).toEqual([{ path: 'role', message: 'requires admin' }]);
    expect((await call(tokens.viewer, 'GET', 'tokens')).status).toBe(403);
  });

  it('editor manages rules, silences and alerts, but not keys, channels, routes or tokens', async () => {
    const created = await call(tokens.editor, 'POST', 'silences', silence());
    expect(created.status).toBe(201);
    expect((await call(tokens.editor, 'DELETE', `silences/${created.body.id}`)).status).toBe(204);
    // Past the role check: the body is what is wrong.
    expect((await call(tokens.editor, 'POST', 'rules', {})).status).toBe(400);
    expect((await call(tokens.editor, 'POST', 'alerts/00000000-0000-4000-8000-000000000000/ack', { by: 'ann' })).status).toBe(404);
    for (const [method, path] of [['POST', 'projects'], ['POST', 'channels'], ['POST', 'routes'], ['POST', 'tokens'], ['DELETE', 'keys/00000000-0000-4000-8000-000000000000']]) {
      const response = await call(tokens.editor, method, path, method === 'POST' ? {} : undefined);
      expect([path, response.status, response.body.error.details]).toEqual([path, 403, [{ path: 'role', message: 'requires admin' }]]);
    }
  });

  it('admin (a CLI token, not only ADMIN_TOKEN) manages projects and tokens; a revoked token is refused', async () => {
    expect((await call(tokens.admin, 'POST', 'projects', { name: `p-${env.REDIS_KEY_PREFIX}` })).status).toBe(201);
    const made = await call(tokens.admin, 'POST', 'tokens', { name: 'short-lived', role: 'viewer' });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ role: 'viewer', prefix: made.body.token.slice(0, 12) });
    expect(made.body).not.toHaveProperty('tokenHash');
    expect((await call(made.body.token, 'GET', 'rules')).status).toBe(200);
    expect((await call(tokens.admin, 'DELETE', `tokens/${made.body.id}`)).status).toBe(204);
    expect((await call(made.body.token, 'GET', 'rules')).status).toBe(401);

    const listed = await call(tokens.admin, 'GET', 'tokens');
    expect(listed.body.tokens).toContainEqual(expect.objectContaining({ id: made.body.id, revokedAt: expect.any(String) }));
  });

  it('the CLI revokes a token', async () => {
    const token = await createWithCli('to-revoke', 'editor');
    const rows = JSON.parse((await runCli(env, ['tokens:list', '--json'])).stdout) as { id: string; prefix: string }[];
    const id = rows.find((r) => r.prefix === token.slice(0, 12))!.id;
    expect((await runCli(env, ['tokens:revoke', id])).code).toBe(0);
    expect((await call(token, 'GET', 'rules')).status).toBe(401);
  });

  it('an ingest key cannot manage, and a management token cannot ingest', async () => {
    for (const path of ['projects', 'rules', 'metrics/summary?window=15m']) {
      const response = await call(ingestKey, 'GET', path);
      expect([path, response.status, response.body.error.code]).toEqual([path, 401, 'UNAUTHENTICATED']);
    }
    const ingest = await fetch(`${stack.api.url}/api/v1/ingest/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [] }),
    });
    expect(ingest.status).toBe(401);
  });

  it('no token, or an unknown one, is 401', async () => {
    expect((await fetch(`${stack.api.url}/api/v1/rules`)).status).toBe(401);
    expect((await call('vgt_unknownunknownunknownunknown00', 'GET', 'rules')).status).toBe(401);
  });
});
