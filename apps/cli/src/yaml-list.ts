import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { fail } from './output';

/**
 * The top-level `key:` list of a YAML file (rules, services), and how to
 * refuse the file: every problem at once, exit 2, nothing changed.
 */
export async function readYamlList(file: string, key: string): Promise<{ list: unknown[]; refuse: (problems: string) => never }> {
  const refuse = (problems: string) => fail(`${file}: ${problems}\nnothing was changed`, 2);
  const source = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => fail(`cannot read ${file} (${error.code ?? error.message})`, 2));
  let document: unknown;
  try {
    document = parseYaml(source);
  } catch (error) {
    return refuse((error as Error).message);
  }
  const list = (document as Record<string, unknown> | null)?.[key];
  if (!Array.isArray(list)) return refuse(`expected a top-level \`${key}:\` list`);
  return { list, refuse };
}
