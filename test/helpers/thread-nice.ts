import { readdir, readFile } from 'node:fs/promises';

/** Each thread's nice value in a process (Linux): field 19 of /proc/PID/task/TID/stat, counted after the command name's closing parenthesis. */
export async function threadNices(pid: number | 'self'): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    // A thread may end between the listing and the read.
    const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => null);
    if (stat) out.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
  }
  return out;
}
