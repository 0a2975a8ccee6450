// A small shop API reporting to vigil: every request (by route template, with
// its db query count and time), its slow queries and its errors.
//
//   VIGIL_URL=http://localhost:3000 VIGIL_API_KEY=vgl_... [DATABASE_URL=postgres://...] node app.js
const express = require('express');
const { Pool } = require('pg');
const { createVigil, instrumentExpress, instrumentPg, vigilExpressErrors } = require('@vigil/client');

const vigil = createVigil({
  url: process.env.VIGIL_URL ?? 'http://localhost:3000',
  apiKey: process.env.VIGIL_API_KEY,
  service: process.env.SERVICE_NAME ?? 'example-shop',
  slowQueryMs: 50,
  onError: (error, lost) => console.error(`vigil: ${lost} events lost: ${error.message}`),
});

// Optional: with a database, queries are counted per request and slow ones reported.
const pool = process.env.DATABASE_URL ? instrumentPg(new Pool({ connectionString: process.env.DATABASE_URL }), vigil) : undefined;

const app = express();
// Every request of the app (app.use(vigilExpress(vigil, ...)) first does the same as a middleware).
// The user id comes from wherever your auth puts it.
instrumentExpress(app, vigil, { user: (req) => req.get('x-user-id'), ignore: (route) => route === '/health' });

app.get('/health', (_req, res) => res.send('ok'));

app.get('/orders/:id', async (req, res) => {
  if (pool) await pool.query('SELECT pg_sleep(0.06), $1::int AS id', [req.params.id]);
  res.json({ id: Number(req.params.id), status: 'shipped' });
});

app.post('/checkout', () => {
  throw new Error('payment provider timed out');
});

// Last: reports errors to vigil, then Express answers 500 as usual.
app.use(vigilExpressErrors(vigil));

const server = app.listen(Number(process.env.PORT ?? 4000), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});

// Send what is buffered before exiting.
process.on('SIGTERM', () => {
  server.close(async () => {
    await vigil.close();
    await pool?.end();
    console.log(`vigil: sent ${vigil.sent}, dropped ${vigil.dropped}`);
    process.exit(0);
  });
});
