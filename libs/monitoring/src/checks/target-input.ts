import { bodyValidator, FieldIssue, ValidationError } from '@vigil/common';

export const TARGET_KINDS = ['http', 'tcp', 'postgres', 'redis'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** A check target as the API and the services file give it (camelCase). */
export interface TargetInput {
  name: string;
  kind: TargetKind;
  /** http(s) URL, `host:port`, a postgres:// or redis:// URL; empty for postgres/redis means vigil's own. */
  address?: string | null;
  expectedStatus?: number;
  keyword?: string | null;
  timeoutMs?: number;
  intervalSeconds?: number;
  enabled?: boolean;
}

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'kind'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.:/ -]+$' },
    kind: { type: 'string', enum: [...TARGET_KINDS] },
    address: { type: ['string', 'null'], minLength: 1, maxLength: 2048 },
    expectedStatus: { type: 'integer', minimum: 100, maximum: 599 },
    keyword: { type: ['string', 'null'], minLength: 1, maxLength: 200 },
    timeoutMs: { type: 'integer', minimum: 100, maximum: 60_000 },
    intervalSeconds: { type: 'integer', minimum: 10, maximum: 86_400 },
    enabled: { type: 'boolean' },
  },
};

const shape = bodyValidator<TargetInput>(schema);
const partialShape = bodyValidator<Partial<TargetInput>>({ ...schema, required: [] });

const PROTOCOLS: Record<TargetKind, string[]> = { http: ['http:', 'https:'], tcp: [], postgres: ['postgres:', 'postgresql:'], redis: ['redis:', 'rediss:'] };

export function validateTarget(body: unknown): TargetInput {
  return checkAddress(shape(body));
}

export function validateTargetPatch(body: unknown, current: TargetInput): TargetInput {
  return checkAddress({ ...current, ...partialShape(body) });
}

/** The address must suit the kind; the timeout must leave room within the interval. */
function checkAddress(target: TargetInput): TargetInput {
  const issues: FieldIssue[] = [];
  const { kind, address } = target;
  if (kind === 'tcp') {
    const match = address ? /^(.+):(\d{1,5})$/.exec(address) : null;
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) issues.push({ path: 'address', message: 'must be host:port for a tcp target' });
  } else if (address) {
    let protocol: string | undefined;
    try {
      protocol = new URL(address).protocol;
    } catch {
      protocol = undefined;
    }
    if (!protocol || !PROTOCOLS[kind].includes(protocol)) issues.push({ path: 'address', message: `must be a ${PROTOCOLS[kind].map((p) => `${p}//`).join(' or ')} URL for a ${kind} target` });
  } else if (kind === 'http') {
    issues.push({ path: 'address', message: 'is required for an http target' });
  }
  if ((target.keyword ?? null) !== null && kind !== 'http') issues.push({ path: 'keyword', message: 'applies to http targets only' });
  if ((target.timeoutMs ?? 5000) > (target.intervalSeconds ?? 60) * 1000) issues.push({ path: 'timeoutMs', message: 'must not exceed the interval' });
  if (issues.length) throw new ValidationError(issues);
  return target;
}

/** An address as shown to people: a password in it is replaced. */
export function maskAddress(address: string | null): string | null {
  if (!address) return address;
  try {
    const url = new URL(address);
    if (!url.password) return address;
    url.password = '***';
    return url.toString();
  } catch {
    return address;
  }
}
