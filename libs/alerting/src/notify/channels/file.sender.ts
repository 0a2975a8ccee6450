import { open, rename, rm, stat } from 'node:fs/promises';
import type { Outgoing } from '../render';
import type { ChannelRow, ChannelSender } from './channel';

/**
 * JSON lines appended to a file, fsync'd before the delivery is marked sent,
 * rotated by size (`path.1` … `path.<maxFiles-1>`). Written by hand: the
 * rotating-stream libraries buffer writes and do not say when a line is on
 * disk, which is the one thing a delivery needs to know. Writes to one path are
 * serialized within the process; rotation assumes one writer process per path.
 */
export class FileSender implements ChannelSender {
  private readonly queues = new Map<string, Promise<void>>();

  target(channel: ChannelRow): string {
    return `file:${channel.config.path}`;
  }

  send(channel: ChannelRow, out: Outgoing): Promise<void> {
    const path = String(channel.config.path);
    const line = `${JSON.stringify({ at: new Date().toISOString(), deliveryId: out.deliveryId, key: out.key, ...out.message })}\n`;
    const previous = this.queues.get(path) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.append(path, line, Number(channel.config.maxBytes ?? 10_485_760), Number(channel.config.maxFiles ?? 5)));
    this.queues.set(path, next);
    void next.finally(() => this.queues.get(path) === next && this.queues.delete(path)).catch(() => undefined);
    return next;
  }

  private async append(path: string, line: string, maxBytes: number, maxFiles: number): Promise<void> {
    const size = await stat(path).then((s) => s.size, () => 0);
    if (size > 0 && size + Buffer.byteLength(line) > maxBytes) await rotate(path, maxFiles);
    const file = await open(path, 'a', 0o640);
    try {
      await file.write(line);
      await file.datasync();
    } finally {
      await file.close();
    }
  }
}

async function rotate(path: string, maxFiles: number): Promise<void> {
  if (maxFiles <= 1) return rm(path, { force: true });
  await rm(`${path}.${maxFiles - 1}`, { force: true });
  for (let i = maxFiles - 2; i >= 1; i--) await rename(`${path}.${i}`, `${path}.${i + 1}`).catch(() => undefined);
  await rename(path, `${path}.1`);
}
