import type { CallTable } from './define';

export const CONTRACT_TABLE_START = '<!-- calls: made from studioContract by `npm run docs:contract`; a test checks they agree -->';
export const CONTRACT_TABLE_END = '<!-- end of calls -->';

/** The contract's calls as a markdown table, each with its summary: what docs/architecture.md shows, made from the code. */
export function callTable(calls: CallTable): string {
  const rows = Object.entries(calls).map(([name, spec]) => `| \`${name}\` | ${spec.summary.replace(/\|/g, '\\|')} |`);
  return [CONTRACT_TABLE_START, '| call | what it does |', '| --- | --- |', ...rows, CONTRACT_TABLE_END].join('\n');
}

/** `markdown` with its generated call table replaced by `table`; null when the markers are missing. */
export function withCallTable(markdown: string, table: string): string | null {
  const start = markdown.indexOf(CONTRACT_TABLE_START);
  const end = markdown.indexOf(CONTRACT_TABLE_END);
  if (start < 0 || end < start) return null;
  return markdown.slice(0, start) + table + markdown.slice(end + CONTRACT_TABLE_END.length);
}
