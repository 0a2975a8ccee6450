import { fingerprint, normalizeSql } from './sql-normalizer';

describe('normalizeSql', () => {
  it.each([
    ["SELECT * FROM orders WHERE id = 42", 'select * from orders where id = ?'],
    ["select *\n  from   orders\twhere id=42;", 'select * from orders where id = ?'],
    ["SELECT name FROM users WHERE email = 'a''b@example.com'", 'select name from users where email = ?'],
    ["SELECT * FROM t WHERE id IN (1, 2, 3, 4)", 'select * from t where id in (?)'],
    ["SELECT * FROM t WHERE id = $1 AND name = $2", 'select * from t where id = ? and name = ?'],
    ["INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z')", 'insert into t(a, b) values (?)'],
    ["SELECT 1 -- trailing comment\nFROM t /* block\ncomment */ WHERE x = 1.5e3", 'select ? from t where x = ?'],
    ['SELECT "Weird Col" FROM "Users" WHERE "Users".id = 7', 'select "Weird Col" from "Users" where "Users".id = ?'],
    ["SELECT $tag$ it's here $tag$, $$x$$", 'select ?, ?'],
    ["SELECT E'a\\'b' FROM t", 'select ? from t'],
    ['SELECT count(*) FROM t WHERE a::int > 0x1F', 'select count(*) from t where a::int > ?'],
    ["SELECT data->>'k', data #>> '{a,b}' FROM t WHERE id = :id", 'select data ->> ?, data #>> ? from t where id = ?'],
    ['SELECT * FROM `orders` WHERE id = ?', 'select * from `orders` where id = ?'],
    ["SELECT pg_sleep(0.05), 'x' AS s, $1::text AS p", 'select pg_sleep(?), ? as s, ?::text as p'],
  ])('%s', (input, expected) => {
    expect(normalizeSql(input)).toBe(expected);
    // Clients send normalized text and vigil normalizes again: the second pass must change nothing.
    expect(normalizeSql(expected)).toBe(expected);
  });

  it('gives one fingerprint to the same statement with other values and spacing', () => {
    const a = fingerprint(normalizeSql("SELECT * FROM orders WHERE customer = 'ann' AND total > 10"));
    const b = fingerprint(normalizeSql("select *   from orders\nwhere customer='bob' and total>99.5"));
    const c = fingerprint(normalizeSql("SELECT * FROM orders WHERE customer = 'ann' OR total > 10"));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
  });

  it('survives unterminated quotes and comments', () => {
    expect(normalizeSql("SELECT 'oops")).toBe('select ?');
    expect(normalizeSql('SELECT 1 /* never closed')).toBe('select ?');
  });
});
