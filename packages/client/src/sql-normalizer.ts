import { createHash } from 'node:crypto';

/**
 * Reduces a SQL statement to its shape, so that the same query with other
 * values groups together: comments dropped, literals and placeholders become
 * `?`, lists of them collapse to one, keywords and identifiers are lower-cased
 * (quoted identifiers kept), whitespace is folded.
 *
 * Hand-written because it is the product's own core and must take any dialect
 * an application sends (PostgreSQL, MySQL, SQLite); a real parser such as
 * libpg-query knows one dialect and rejects the rest.
 */
export function normalizeSql(sql: string): string {
  const tokens: string[] = [];
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r' || c === '\f') {
      i++;
    } else if (c === '-' && next === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '#' && isLineCommentHash(sql, i)) {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === "'") {
      dropStringPrefix(tokens);
      i = skipQuoted(sql, i, "'", isEscapeString(sql, i));
      tokens.push('?');
    } else if (c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      const end = skipQuoted(sql, i, close, false, c);
      tokens.push(sql.slice(i, end));
      i = end;
    } else if (c === '$' && isDigit(next)) {
      i += 2;
      while (i < n && isDigit(sql[i])) i++;
      tokens.push('?');
    } else if (c === '$' && (next === '$' || isIdentStart(next))) {
      const tagEnd = sql.indexOf('$', i + 1);
      const tag = tagEnd < 0 ? '' : sql.slice(i, tagEnd + 1);
      if (tag && /^\$[A-Za-z_0-9]*\$$/.test(tag)) {
        const end = sql.indexOf(tag, tagEnd + 1);
        i = end < 0 ? n : end + tag.length;
        tokens.push('?');
      } else {
        tokens.push('$');
        i++;
      }
    } else if (c === ':' && isIdentStart(next) && sql[i - 1] !== ':') {
      i++;
      while (i < n && isIdentPart(sql[i])) i++;
      tokens.push('?');
    } else if (c === '?' && next !== '|' && next !== '&') {
      // A placeholder (also what normalizing leaves): its own token, so normalizing twice changes nothing.
      tokens.push('?');
      i++;
    } else if (isDigit(c) || (c === '.' && isDigit(next))) {
      i = skipNumber(sql, i);
      tokens.push('?');
    } else if (isIdentStart(c)) {
      const start = i;
      while (i < n && isIdentPart(sql[i])) i++;
      tokens.push(sql.slice(start, i).toLowerCase());
    } else if (OPERATOR_CHARS.includes(c)) {
      const start = i;
      while (i < n && OPERATOR_CHARS.includes(sql[i]) && !(sql[i] === '-' && sql[i + 1] === '-')) i++;
      tokens.push(sql.slice(start, i));
    } else {
      tokens.push(c);
      i++;
    }
  }
  while (tokens.length && tokens[tokens.length - 1] === ';') tokens.pop();
  return collapseLists(join(tokens));
}

/** A stable 16-hex-digit id for a normalized statement. */
export function fingerprint(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

const OPERATOR_CHARS = '+-*/<>=~!@#%^&|?:';
const SPACED_BEFORE_PAREN = new Set([
  'in', 'values', 'as', 'and', 'or', 'not', 'exists', 'on', 'using', 'from', 'join', 'where', 'select',
  'set', 'into', 'any', 'all', 'some', 'over', 'filter', 'within', 'returning', 'table', 'lateral', 'with',
  'when', 'then', 'else', 'case', 'by', 'is', 'like', 'between', 'union', 'except', 'intersect',
]);

function join(tokens: string[]): string {
  let out = '';
  let prev = '';
  for (const token of tokens) {
    const glue =
      out === '' ||
      token === ',' || token === ')' || token === '.' || token === '::' || token === ';' ||
      prev === '(' || prev === '.' || prev === '::' ||
      (token === '(' && /^[a-z_][a-z0-9_$]*$/.test(prev) && !SPACED_BEFORE_PAREN.has(prev)) ||
      (token === '(' && (prev.startsWith('"') || prev.startsWith('`') || prev.startsWith('[')));
    out += glue ? token : ` ${token}`;
    prev = token;
  }
  return out;
}

function collapseLists(text: string): string {
  return text
    .replace(/\(\?(?:, \?)+\)/g, '(?)')
    .replace(/\(\?\)(?:, \(\?\))+/g, '(?)');
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isIdentStart(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c > '\u007f');
}

function isIdentPart(c: string | undefined): boolean {
  return isIdentStart(c) || isDigit(c) || c === '$';
}

/** MySQL's `#` comment, but not PostgreSQL's `#>`/`#>>`/`#-` operators. */
function isLineCommentHash(sql: string, i: number): boolean {
  const next = sql[i + 1];
  return next !== '>' && next !== '-' && !OPERATOR_CHARS.includes(sql[i - 1] ?? '');
}

function isEscapeString(sql: string, quote: number): boolean {
  const prefix = sql[quote - 1];
  return (prefix === 'e' || prefix === 'E') && !isIdentPart(sql[quote - 2]);
}

/** `E'..'`, `N'..'`, `B'..'`, `X'..'`: the prefix belongs to the literal. */
function dropStringPrefix(tokens: string[]): void {
  const last = tokens[tokens.length - 1];
  if (last === 'e' || last === 'n' || last === 'b' || last === 'x' || last === 'u&') tokens.pop();
}

function skipQuoted(sql: string, start: number, close: string, backslashEscapes: boolean, open = close): number {
  let i = start + 1;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') {
      i += 2;
    } else if (c === close) {
      if (sql[i + 1] === close && close === open) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return n;
}

function skipNumber(sql: string, start: number): number {
  let i = start;
  const n = sql.length;
  if (sql[i] === '0' && (sql[i + 1] === 'x' || sql[i + 1] === 'X')) {
    i += 2;
    while (i < n && /[0-9a-fA-F_]/.test(sql[i])) i++;
    return i;
  }
  while (i < n && (isDigit(sql[i]) || sql[i] === '_')) i++;
  if (sql[i] === '.' && sql[i + 1] !== '.') {
    i++;
    while (i < n && isDigit(sql[i])) i++;
  }
  if ((sql[i] === 'e' || sql[i] === 'E') && (isDigit(sql[i + 1]) || ((sql[i + 1] === '+' || sql[i + 1] === '-') && isDigit(sql[i + 2])))) {
    i += 2;
    while (i < n && isDigit(sql[i])) i++;
  }
  return i;
}
