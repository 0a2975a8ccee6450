import { createVigil, vigilExpress } from '@vigil/client';
import express from 'express';

/**
 * The app bench:client drives: a small Express route, with vigil's middleware
 * (VIGIL=on, sending to SINK_URL) or without. Prints `listening <port>`.
 */
const app = express();
if (process.env.VIGIL === 'on') {
  const vigil = createVigil({ url: process.env.SINK_URL!, apiKey: 'vgl_bench', service: 'bench-app' });
  app.use(vigilExpress(vigil));
  process.on('SIGTERM', () => void vigil.close().then(() => console.log(`sent=${vigil.sent} dropped=${vigil.dropped}`)).finally(() => process.exit(0)));
} else {
  process.on('SIGTERM', () => process.exit(0));
}
app.get('/orders/:id', (req, res) => {
  res.json({ id: req.params.id, status: 'shipped' });
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : ''}`);
});
