import { bodyValidator, nulPath } from './ajv';
import { ValidationError } from '../errors/app-error';

describe('NUL in management bodies', () => {
  it('finds the path of the first string or key holding NUL', () => {
    expect(nulPath({ a: 'ok', b: [{ c: 'x\0y' }] }, '')).toBe('b[0].c');
    expect(nulPath({ ['k\0']: 1 }, '')).toBe('k\0');
    expect(nulPath({ a: ['fine', 3, null] }, '')).toBeUndefined();
  });

  it('makes a body that passed its schema a 400 naming the field', () => {
    const validate = bodyValidator<{ name: string }>({ type: 'object', properties: { name: { type: 'string' } }, required: ['name'] });
    expect(validate({ name: 'shop' })).toEqual({ name: 'shop' });
    try {
      validate({ name: 'sh\0op' });
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details).toEqual([{ path: 'name', message: 'must not contain NUL characters' }]);
    }
  });
});
