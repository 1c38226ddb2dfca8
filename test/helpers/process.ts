import { readFileSync } from 'node:fs';

/** Resident memory of a process, from /proc (Linux, where CI runs). */
export const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
