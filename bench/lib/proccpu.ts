// CPU time of a process tree from /proc (Linux): what a benchmark's daemons spent, whatever else
// the machine was doing. utime + stime of each live process, plus cutime + cstime (its children
// that exited and were waited for: recycled job workers), in seconds.
import { readdirSync, readFileSync } from "node:fs";

type Proc = { pid: number; ppid: number; comm: string; own: number; reaped: number };

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on Linux

function readProcs(): Map<number, Proc> {
  const procs = new Map<number, Proc>();
  let names: string[] = [];
  try {
    names = readdirSync("/proc");
  } catch {
    return procs; // not Linux
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid ..." — comm may hold spaces and parentheses: split at the last ')'.
    const close = text.lastIndexOf(")");
    const comm = text.slice(text.indexOf("(") + 1, close);
    const f = text.slice(close + 2).split(" ");
    // After comm: [0] state, [1] ppid, ... [11] utime, [12] stime, [13] cutime, [14] cstime.
    const tick = (i: number) => Number(f[i]) / TICKS_PER_SECOND;
    procs.set(Number(name), {
      pid: Number(name),
      ppid: Number(f[1]),
      comm,
      own: tick(11) + tick(12),
      reaped: tick(13) + tick(14),
    });
  }
  return procs;
}

/** CPU seconds of `pid` and everything under it, split by a classifier of each process. */
export function treeCpuSeconds(
  rootPid: number,
  classify: (proc: { pid: number; comm: string; ancestors: number[] }) => string,
): Record<string, number> {
  const procs = readProcs();
  const children = new Map<number, number[]>();
  for (const p of procs.values()) {
    children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  }
  const out: Record<string, number> = {};
  const walk = (pid: number, ancestors: number[]) => {
    const p = procs.get(pid);
    if (!p) return;
    const name = classify({ pid, comm: p.comm, ancestors });
    out[name] = (out[name] ?? 0) + p.own + p.reaped;
    for (const c of children.get(pid) ?? []) walk(c, [...ancestors, pid]);
  };
  walk(rootPid, []);
  return out;
}
