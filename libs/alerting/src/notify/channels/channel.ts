import type { Outgoing } from '../render';
import type { StoredSecret } from '../secret-box';

export const CHANNEL_TYPES = ['log', 'file', 'email', 'slack', 'webhook'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** A channel as stored. */
export interface ChannelRow {
  id: string;
  name: string;
  type: ChannelType;
  config: Record<string, unknown>;
  secrets: Record<string, StoredSecret | Record<string, StoredSecret>>;
  rateLimitPerMinute: number;
}

/** Opens a channel's secret by name at send time; undefined when the channel has none of that name. */
export type OpenSecret = (name: string) => string | undefined;

/** Sends one delivery through one channel; resolves only once the receiver has it (or it is on disk). */
export interface ChannelSender {
  send(channel: ChannelRow, out: Outgoing, secret: OpenSecret): Promise<void>;
  /** The breaker key: one per receiver, so a dead receiver does not slow the others. */
  target(channel: ChannelRow): string;
}
