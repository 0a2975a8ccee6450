import { validateEnv } from './env.schema';

describe('limit and CORS settings', () => {
  it('defaults to rate limits on and CORS closed', () => {
    expect(validateEnv({})).toMatchObject({ RATE_LIMIT_WINDOW_SECONDS: 60, RATE_LIMIT_INGEST: 6000, RATE_LIMIT_MANAGEMENT: 1200, CORS_ORIGINS: '' });
  });

  it('takes a comma-separated list of origins', () => {
    expect(validateEnv({ CORS_ORIGINS: 'https://ops.example.com, http://localhost:5173' }).CORS_ORIGINS).toBe('https://ops.example.com, http://localhost:5173');
  });

  it.each([['CORS_ORIGINS', 'ops.example.com'], ['CORS_ORIGINS', '*'], ['RATE_LIMIT_INGEST', '-1'], ['RATE_LIMIT_WINDOW_SECONDS', '0']])('rejects %s=%s naming it', (name, value) => {
    expect(() => validateEnv({ [name]: value })).toThrow(name);
  });
});
