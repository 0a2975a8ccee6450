import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Env, ValidationError } from '@vigil/common';

/** A channel secret as stored: the name of an environment variable, or the value encrypted. */
export type StoredSecret = { env: string } | { enc: string };
/** As the API takes it: a literal value (stored encrypted) or `{ env }`. */
export type SecretInput = string | { env: string };

/** The variables a channel may name: the seeds' own, and any `VIGIL_SECRET_*`. */
const NAMEABLE = ['ALERT_EMAIL_PASSWORD', 'SLACK_WEBHOOK_URL'] as const;

/**
 * Seals and opens channel secrets with AES-256-GCM under ENCRYPTION_KEY, and
 * resolves secrets given by variable name. Opened values exist only in memory,
 * at send time.
 */
export class SecretBox {
  private readonly key: Buffer | null;

  constructor(private readonly env: Env) {
    this.key = env.ENCRYPTION_KEY ? Buffer.from(env.ENCRYPTION_KEY, 'hex') : null;
  }

  get canStore(): boolean {
    return this.key !== null;
  }

  seal(input: SecretInput, path: string): StoredSecret {
    if (typeof input !== 'string') {
      if (this.lookup(input.env) === undefined) {
        throw new ValidationError([{ path: `${path}.env`, message: `names no variable set in vigil's environment (VIGIL_SECRET_* or ${NAMEABLE.join(', ')})` }]);
      }
      return { env: input.env };
    }
    if (!this.key) {
      throw new ValidationError([{ path, message: 'cannot be stored: ENCRYPTION_KEY is not set; give it as {"env": "VIGIL_SECRET_..."} instead' }]);
    }
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(input, 'utf8'), cipher.final()]);
    return { enc: Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64') };
  }

  open(secret: StoredSecret): string {
    if ('env' in secret) {
      const value = this.lookup(secret.env);
      if (value === undefined) throw new Error(`secret variable ${secret.env} is not set`);
      return value;
    }
    if (!this.key) throw new Error('a stored secret cannot be read: ENCRYPTION_KEY is not set');
    const raw = Buffer.from(secret.enc, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }

  private lookup(name: string): string | undefined {
    if ((NAMEABLE as readonly string[]).includes(name)) return this.env[name as (typeof NAMEABLE)[number]];
    return this.env.SECRET_VARS[name];
  }
}

/** What the API shows of a secret: where it comes from, never its value. */
export function describeSecret(secret: StoredSecret): { env: string } | '[stored]' {
  return 'env' in secret ? { env: secret.env } : '[stored]';
}
