import { fingerprint } from './sql-normalizer';

/**
 * Errors group by service, type and message shape: ids, numbers and quoted
 * values in the message are masked so "order 41 not found" and
 * "order 42 not found" are one group.
 */
export function normalizeErrorMessage(message: string): string {
  return message
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
    .replace(/\b[0-9a-f]{12,}\b/gi, '<hex>')
    .replace(/'[^']*'|"[^"]*"/g, '<str>')
    .replace(/\d+(\.\d+)?/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 1000);
}

export function errorFingerprint(service: string, type: string, message: string): string {
  return fingerprint(`${service}\n${type}\n${normalizeErrorMessage(message)}`);
}
