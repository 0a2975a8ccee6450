import type { ChannelType } from './channel';

const secretInput = {
  anyOf: [
    { type: 'string', minLength: 1, maxLength: 4096 },
    { type: 'object', additionalProperties: false, required: ['env'], properties: { env: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$' } } },
  ],
  errorMessage: 'must be a string (stored encrypted) or {"env": "VARIABLE_NAME"}',
};

const headers = {
  type: 'object',
  maxProperties: 20,
  propertyNames: { pattern: '^[A-Za-z0-9-]{1,100}$' },
  additionalProperties: { type: 'string', maxLength: 4096 },
};

/** Per type: the non-secret settings and the secret ones. */
export const CHANNEL_SCHEMAS: Record<ChannelType, { config: object; secrets: object }> = {
  log: {
    config: { type: 'object', additionalProperties: false, properties: {} },
    secrets: { type: 'object', additionalProperties: false, properties: {} },
  },
  file: {
    config: {
      type: 'object',
      additionalProperties: false,
      required: ['path'],
      properties: {
        path: { type: 'string', pattern: '^/', maxLength: 1000 },
        maxBytes: { type: 'integer', minimum: 1024, maximum: 1_073_741_824, default: 10_485_760 },
        maxFiles: { type: 'integer', minimum: 1, maximum: 100, default: 5 },
      },
    },
    secrets: { type: 'object', additionalProperties: false, properties: {} },
  },
  email: {
    config: {
      type: 'object',
      additionalProperties: false,
      required: ['host', 'from', 'to'],
      properties: {
        host: { type: 'string', minLength: 1, maxLength: 255 },
        port: { type: 'integer', minimum: 1, maximum: 65535, default: 587 },
        secure: { type: 'boolean', description: 'TLS from the start (port 465)' },
        requireTLS: { type: 'boolean', default: false, description: 'refuse to send unless STARTTLS succeeds' },
        rejectUnauthorized: { type: 'boolean', default: true },
        user: { type: 'string', minLength: 1, maxLength: 255 },
        from: { type: 'string', minLength: 3, maxLength: 255 },
        to: { type: 'array', minItems: 1, maxItems: 50, items: { type: 'string', minLength: 3, maxLength: 255 } },
      },
    },
    secrets: { type: 'object', additionalProperties: false, properties: { password: secretInput } },
  },
  slack: {
    config: {
      type: 'object',
      additionalProperties: false,
      properties: { channel: { type: 'string', minLength: 1, maxLength: 100 }, username: { type: 'string', minLength: 1, maxLength: 100 } },
    },
    // The incoming-webhook URL is itself the credential.
    secrets: { type: 'object', additionalProperties: false, required: ['url'], properties: { url: secretInput } },
  },
  webhook: {
    config: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: { type: 'string', pattern: '^https?://', maxLength: 2000 },
        format: { type: 'string', enum: ['vigil', 'alertmanager'], default: 'vigil' },
        headers,
        timeoutMs: { type: 'integer', minimum: 100, maximum: 60_000 },
      },
    },
    secrets: {
      type: 'object',
      additionalProperties: false,
      properties: {
        signingSecret: secretInput,
        headers: { type: 'object', maxProperties: 20, propertyNames: { pattern: '^[A-Za-z0-9-]{1,100}$' }, additionalProperties: secretInput },
      },
    },
  },
};
