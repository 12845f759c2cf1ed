import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

type ProfileNode = { id: number; callFrame: { functionName: string; url: string }; children?: number[] };
type CpuProfile = {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
};

export type ProfileShare = { where: string; ms: number; percent: number };

/**
 * Where a V8 CPU profile (node --cpu-prof) spent its time, by self time: `(idle)` is waiting for I/O
 * (PostgreSQL, HTTP), `(garbage collector)` is GC, otherwise the npm package or this repository's
 * file that ran.
 */
export function summarizeProfile(file: string, top = 12): ProfileShare[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i] as number);
    const key = node ? bucket(node) : '(unknown)';
    selfUs.set(key, (selfUs.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  return [...selfUs]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([where, us]) => ({
      where,
      ms: Math.round(us / 1000),
      percent: Math.round((us / total) * 1000) / 10,
    }));
}

function bucket(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName || 'anonymous'}`;
  if (url.startsWith('node:')) return url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  const repo = /\/(packages\/[^/]+|functions\/[^/]+|bench|test)\/(.*)$/.exec(url);
  return repo ? `${repo[1]}/${repo[2]}` : url;
}

/** The newest .cpuprofile in a folder. */
export function newestProfile(dir: string): string | undefined {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  return files.length ? path.join(dir, files.sort().at(-1) as string) : undefined;
}
