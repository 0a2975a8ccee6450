import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { exited } from '../helpers/apps';

/** A free loopback port, for services that need a fixed one across restarts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function postgresBin(name: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error('no PostgreSQL under /usr/lib/postgresql: apt-get install postgresql');
  return join('/usr/lib/postgresql', versions[0], 'bin', name);
}

/** initdb and postgres refuse to run as root: as root, run them as the postgres user. */
function asPostgres(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

/**
 * A PostgreSQL of the test's own: a cluster in a temp dir on its own port, so
 * that stopping it never touches the machine's shared server.
 */
export class ScratchPostgres {
  readonly dir = mkdtempSync(join(tmpdir(), 'vigil-fault-pg-'));
  constructor(readonly port: number) {
    if (process.getuid?.() === 0) chownSync(this.dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
    const [cmd, args] = asPostgres(postgresBin('initdb'), ['-D', this.dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    execFileSync(cmd, args, { stdio: 'ignore' });
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/vigil`;
  }

  start(): void {
    // fsync off: the faults here kill processes, not the machine, so the page cache survives them.
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    const [cmd, args] = asPostgres(postgresBin('pg_ctl'), ['-D', this.dir, '-l', join(this.dir, 'log'), '-o', options, '-w', 'start']);
    execFileSync(cmd, args, { stdio: 'ignore' });
  }

  /** `immediate` is a crash as far as clients can tell: connections cut, no checkpoint. */
  stop(mode: 'fast' | 'immediate' = 'immediate'): void {
    const [cmd, args] = asPostgres(postgresBin('pg_ctl'), ['-D', this.dir, '-m', mode, '-w', 'stop']);
    execFileSync(cmd, args, { stdio: 'ignore' });
  }

  destroy(): void {
    try {
      this.stop('immediate');
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A redis-server of the test's own, with an append-only file fsynced on every write (the documented production setting). */
export class ScratchRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'vigil-fault-redis-'));
  private process?: ChildProcess;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'noeviction'];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      child.stdout!.on('data', (chunk) => {
        output += chunk;
        if (output.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    });
    child.stdout!.resume();
  }

  /** SIGKILL: whatever it acknowledged is in the append-only file already. */
  async kill(): Promise<void> {
    if (!this.process) return;
    this.process.kill('SIGKILL');
    await exited(this.process);
    this.process = undefined;
  }

  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Events stored for a project: rows and distinct request ids (a duplicate is a row beyond the first per id). */
export async function storedEvents(url: string, projectId: string): Promise<{ rows: number; distinct: number }> {
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    const { rows } = await pool.query(
      'SELECT count(*)::int AS rows, count(DISTINCT request_id)::int AS distinct FROM performance_metrics WHERE project_id = $1',
      [projectId],
    );
    return rows[0];
  } finally {
    await pool.end();
  }
}
