import { InvalidConfigError, requireAdminToken, validateEnv } from './env.schema';

describe('validateEnv', () => {
  it('applies defaults and coerces strings', () => {
    const env = validateEnv({ API_PORT: '8080', SELF_INSTRUMENTATION: 'false', UNRELATED: 'x' });
    expect(env.API_PORT).toBe(8080);
    expect(env.SELF_INSTRUMENTATION).toBe(false);
    expect(env.WORKER_PORT).toBe(3001);
    expect(env.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/vigil');
    expect(env).not.toHaveProperty('UNRELATED');
  });

  it('names every bad variable', () => {
    const call = () => validateEnv({ API_PORT: 'eighty', REDIS_URL: 'http://x', LOG_LEVEL: 'loud' });
    expect(call).toThrow(/API_PORT must be integer/);
    expect(call).toThrow(/LOG_LEVEL must be equal to one of the allowed values/);
    expect(call).toThrow(/REDIS_URL must match pattern/);
  });

  it('requires an admin token of 16 characters or more for the API', () => {
    expect(() => requireAdminToken(validateEnv({}))).toThrow(InvalidConfigError);
    expect(() => validateEnv({ ADMIN_TOKEN: 'short' })).toThrow(/ADMIN_TOKEN must NOT have fewer than 16 characters/);
    expect(requireAdminToken(validateEnv({ ADMIN_TOKEN: 'x'.repeat(16) })).ADMIN_TOKEN).toBe('x'.repeat(16));
  });
});
