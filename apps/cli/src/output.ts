import { CommanderError } from 'commander';

export type Row = Record<string, string | number | null | undefined>;
export type Format = 'text' | 'json' | 'markdown';

/** Aligned columns for people; `--json` is for scripts. */
export function printTable(rows: Row[]): void {
  console.log(table(rows, 'text'));
}

export function table(rows: Row[], format: Exclude<Format, 'json'>): string {
  if (!rows.length) return '(none)';
  const columns = Object.keys(rows[0]);
  const cell = (v: Row[string]) => (v === null || v === undefined ? '-' : String(v));
  if (format === 'markdown') {
    const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
    return [line(columns), line(columns.map(() => '---')), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n');
  }
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (cells: string[]) => cells.map((text, i) => text.padEnd(widths[i])).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n');
}

export function heading(text: string, format: Exclude<Format, 'json'>): string {
  return format === 'markdown' ? `\n## ${text}\n` : `\n${text}\n${'-'.repeat(text.length)}`;
}

/**
 * Ends the command with a message and an exit code. Not `program.error`: that
 * prints the whole help after it, which is noise when the arguments were fine.
 */
export function fail(message: string, exitCode: number): never {
  console.error(`error: ${message}`);
  throw new CommanderError(exitCode, 'vigil.failed', message);
}
