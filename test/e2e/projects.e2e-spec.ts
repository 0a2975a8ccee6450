import { createProjectKey, ingest, requestEvents, useStack } from '../helpers/apps';
import { ADMIN_TOKEN, testEnv } from '../helpers/env';

describe('projects and keys (management API)', () => {
  const stack = useStack(testEnv(), { worker: false });
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const admin = { ...auth, 'content-type': 'application/json' };


  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer not-the-admin-token-at-all' }],
  ])('refuses %s with 401', async (_, headers) => {
    const response = await fetch(`${stack.api.url}/api/v1/projects`, { headers });
    expect(response.status).toBe(401);
    expect((await response.json()).error.code).toBe('UNAUTHENTICATED');
  });

  it('does not accept an ingest key as an admin token', async () => {
    const { key } = await createProjectKey(stack.api.url);
    const response = await fetch(`${stack.api.url}/api/v1/projects`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBe(401);
  });

  it('shows a key once, lists only its prefix, and stops accepting it once revoked', async () => {
    const project = await (await fetch(`${stack.api.url}/api/v1/projects`, { method: 'POST', headers: admin, body: JSON.stringify({ name: `shop-${Date.now()}` }) })).json();
    const created = await fetch(`${stack.api.url}/api/v1/projects/${project.id}/keys`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'ci' }) });
    expect(created.status).toBe(201);
    const { key, id, prefix } = await created.json();
    expect(key).toMatch(/^vgl_/);
    expect(key.startsWith(prefix)).toBe(true);

    const listed = await (await fetch(`${stack.api.url}/api/v1/projects/${project.id}/keys`, { headers: admin })).json();
    expect(listed.keys).toEqual([expect.objectContaining({ id, prefix, name: 'ci', revokedAt: null })]);
    expect(JSON.stringify(listed)).not.toContain(key);
    expect(listed.keys[0]).not.toHaveProperty('keyHash');

    expect((await ingest(stack.api.url, 'requests', key, { events: requestEvents(1) })).status).toBe(202);
    expect((await fetch(`${stack.api.url}/api/v1/keys/${id}`, { method: 'DELETE', headers: auth })).status).toBe(204);
    expect((await ingest(stack.api.url, 'requests', key, { events: requestEvents(1) })).status).toBe(401);
    expect((await fetch(`${stack.api.url}/api/v1/keys/${id}`, { method: 'DELETE', headers: auth })).status).toBe(404);
  });

  it.each([
    ['a missing name', {}, 'name', 'is required'],
    ['a blank name', { name: '   ' }, 'name', 'must match pattern "\\S"'],
    ['an unknown field', { name: 'x', owner: 'me' }, 'owner', 'is not an allowed field'],
  ])('rejects %s with 400 naming the field', async (_, body, path, message) => {
    const response = await fetch(`${stack.api.url}/api/v1/projects`, { method: 'POST', headers: admin, body: JSON.stringify(body) });
    expect(response.status).toBe(400);
    expect((await response.json()).error.details).toEqual([{ path, message }]);
  });

  it('rejects a malformed id with 400 and an unknown project with 404', async () => {
    const bad = await fetch(`${stack.api.url}/api/v1/projects/not-a-uuid/keys`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'k' }) });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.details).toEqual([{ path: 'id', message: 'must be a UUID' }]);
    const missing = await fetch(`${stack.api.url}/api/v1/projects/6f1c0f3e-0000-4000-8000-000000000000/keys`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'k' }),
    });
    expect(missing.status).toBe(404);
  });
});
