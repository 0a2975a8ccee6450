import { Env } from '@vigil/common';

/** A dependency problem a person can act on, instead of a stack trace. */
export function explainConnectionError(error: unknown, env: Env): string | undefined {
  const code = (error as { code?: string })?.code;
  const message = (error as Error)?.message ?? '';
  const db = safeHost(env.DATABASE_URL);
  if (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN'].includes(code ?? '') || /timeout expired|connect/i.test(message)) {
    if (/6379|redis/i.test(message)) return undefined;
    return (
      `cannot reach PostgreSQL at ${db} (${code ?? message}).\n` +
      `  Start one with: docker compose up -d postgres\n` +
      `  or on Debian:   apt-get install -y postgresql && pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n` +
      `  or point DATABASE_URL at yours.`
    );
  }
  if (code === '3D000') return `database does not exist at ${db}: run \`npm run cli -- db:migrate\` first.`;
  if (code === '28P01' || code === '28000') return `PostgreSQL at ${db} refused the credentials in DATABASE_URL.`;
  return undefined;
}

/** host:port/db of a connection URL, never its password. */
export function safeHost(connectionUrl: string): string {
  try {
    const url = new URL(connectionUrl);
    return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
