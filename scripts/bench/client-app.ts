import { createVigil, instrumentExpress, vigilExpress } from '@vigil/client';
import express from 'express';

/**
 * The app bench:client drives: a small Express route, instrumented by
 * VIGIL=app (instrumentExpress), VIGIL=middleware (app.use(vigilExpress)) or
 * not at all (VIGIL=off), sending to SINK_URL. Prints `listening <port>`.
 */
const app = express();
const mode = process.env.VIGIL ?? 'off';
const vigil = mode === 'off' ? undefined : createVigil({ url: process.env.SINK_URL!, apiKey: 'vgl_bench', service: 'bench-app' });
if (vigil && mode === 'app') instrumentExpress(app, vigil);
if (vigil && mode === 'middleware') app.use(vigilExpress(vigil));
app.get('/orders/:id', (req, res) => {
  res.json({ id: req.params.id, status: 'shipped' });
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : ''}`);
});
process.on('SIGTERM', () => {
  void (vigil?.close() ?? Promise.resolve())
    .then(() => vigil && console.log(`sent=${vigil.sent} dropped=${vigil.dropped}`))
    .finally(() => process.exit(0));
});
