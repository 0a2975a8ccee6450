import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Controller, Get, Param, Res } from '@nestjs/common';
import { NotFoundError } from '@vigil/common';
import type { FastifyReply } from 'fastify';

interface Asset {
  type: string;
  body: Buffer;
}

/**
 * The page and its assets are not compiled, so they are read from the source
 * tree: found from here (apps/api/src/dashboard under jest, its mirror under
 * dist/ when built) by walking up to the repository root. The Docker image
 * copies the folder to the same place.
 */
function repoRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`dashboard: no package.json above ${from}`);
  }
}

function loadAssets(): Record<string, Asset> {
  const pages = join(repoRoot(), 'apps/api/src/dashboard');
  // chart.js exports neither its UMD build nor package.json: find the build beside its main file.
  const chartJs = join(dirname(require.resolve('chart.js')), 'chart.umd.js');
  const file = (path: string, type: string): Asset => ({ type, body: readFileSync(path) });
  return {
    'dashboard.html': file(join(pages, 'dashboard.html'), 'text/html; charset=utf-8'),
    'dashboard.js': file(join(pages, 'dashboard.js'), 'text/javascript; charset=utf-8'),
    'dashboard.css': file(join(pages, 'dashboard.css'), 'text/css; charset=utf-8'),
    'chart.umd.js': file(chartJs, 'text/javascript; charset=utf-8'),
  };
}

/** Scripts, styles and API calls from this origin only: the admin token sits in the page's storage. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/**
 * The dashboard: a static page (public; it asks for the admin token and calls
 * the API with it) and the few files it loads, read once at startup.
 */
@Controller()
export class DashboardController {
  private readonly assets = loadAssets();

  @Get()
  page(@Res() reply: FastifyReply) {
    return this.send(reply, 'dashboard.html', { 'cache-control': 'no-cache', 'content-security-policy': CSP });
  }

  @Get('dashboard/assets/:file')
  asset(@Param('file') file: string, @Res() reply: FastifyReply) {
    if (file === 'dashboard.html' || !Object.hasOwn(this.assets, file)) throw new NotFoundError(`no dashboard asset ${file}`);
    return this.send(reply, file, { 'cache-control': 'public, max-age=300' });
  }

  private send(reply: FastifyReply, name: string, headers: Record<string, string>): FastifyReply {
    const { type, body } = this.assets[name];
    return reply.type(type).headers({ ...headers, 'x-content-type-options': 'nosniff' }).send(body);
  }
}
