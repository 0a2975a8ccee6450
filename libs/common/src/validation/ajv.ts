import Ajv, { ErrorObject, Schema } from 'ajv';
import addFormats from 'ajv-formats';
import { FieldIssue, ValidationError } from '../errors/app-error';

/** The one ajv instance: schemas compile once, at import. */
// verbose: errors carry their schema, for the errorMessage keyword below (costs only on failure).
export const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true, verbose: true });
addFormats(ajv, ['date-time', 'ipv4', 'ipv6', 'uuid']);
// The message a person sees when an `anyOf` fails, instead of each branch's error.
ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });

/** ajv's `/events/3/status` as `events[3].status`, the path a person reads. */
export function toFieldIssues(errors: ErrorObject[] | null | undefined): FieldIssue[] {
  const issues = (errors ?? []).map((error) => {
    let path = error.instancePath
      .split('/')
      .slice(1)
      .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
      .join('')
      .replace(/^\./, '');
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'additionalProperties') {
      path = joinPath(path, error.params.additionalProperty as string);
      message = 'is not an allowed field';
    } else if (error.keyword === 'required') {
      path = joinPath(path, error.params.missingProperty as string);
      message = 'is required';
    } else if (error.keyword === 'enum') {
      const allowed = (error.params.allowedValues as unknown[]).filter((v) => v !== null);
      message = `must be one of ${allowed.join(', ')}${allowed.length < (error.params.allowedValues as unknown[]).length ? ', or null' : ''}`;
    } else if (error.keyword === 'anyOf') {
      message = String(error.parentSchema?.errorMessage ?? message);
    }
    return { path: path || 'body', message };
  });
  // An `anyOf` reports each branch and then itself: keep one issue per path, the last.
  const byPath = new Map(issues.map((issue) => [issue.path, issue]));
  return [...byPath.values()].slice(0, 20);
}

function joinPath(path: string, field: string): string {
  return path ? `${path}.${field}` : field;
}

/** A function that returns `body` typed when it matches `schema`, or throws a 400 naming the field. */
export function bodyValidator<T>(schema: Schema): (body: unknown) => T {
  const validate = ajv.compile(schema);
  return (body) => {
    if (!validate(body)) throw new ValidationError(toFieldIssues(validate.errors));
    const nul = nulPath(body, '');
    if (nul !== undefined) throw new ValidationError([{ path: nul || 'body', message: 'must not contain NUL characters' }]);
    return body as T;
  };
}

/** PostgreSQL text cannot hold NUL: the path of the first string (or key) with one, so it is a 400, not a failed query. */
export function nulPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\0') ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = key.includes('\0') ? joinPath(path, key) : nulPath(item, joinPath(path, key));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
