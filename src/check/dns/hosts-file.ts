/**
 * /etc/hosts, read before DNS as getaddrinfo does (nsswitch "files dns"): a name listed there
 * resolves even when the DNS servers are unreachable. The file is re-read at most once per
 * `maxAgeMs`, so an edit is seen without a restart and a busy resolver reads no file per lookup.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';

export const DEFAULT_HOSTS_PATH = '/etc/hosts';
/** A hosts file larger than this is not a hosts file: ignored rather than parsed. */
const MAX_HOSTS_BYTES = 4 * 1024 * 1024;

interface HostsEntry {
  readonly v4: readonly string[];
  readonly v6: readonly string[];
}

/** Parses hosts-file text: `address name [alias…]`, `#` comments; names lowercased. */
function parseHostsFile(text: string): Map<string, HostsEntry> {
  const byName = new Map<string, { v4: string[]; v6: string[] }>();
  for (const raw of text.split('\n')) {
    const fields = raw.replace(/#.*/, '').trim().split(/\s+/);
    const address = (fields[0] ?? '').replace(/%.*$/, '');
    const family = isIP(address);
    if (family === 0 || fields.length < 2) continue;
    for (const name of fields.slice(1)) {
      const key = name.toLowerCase().replace(/\.$/, '');
      const entry = byName.get(key) ?? { v4: [], v6: [] };
      const list = family === 4 ? entry.v4 : entry.v6;
      if (!list.includes(address)) list.push(address);
      byName.set(key, entry);
    }
  }
  return byName;
}

export interface HostsFile {
  /** the addresses the file lists for `name` (lowercased, no trailing dot), or null */
  lookup(name: string): Promise<HostsEntry | null>;
}

export function createHostsFile(path: string, maxAgeMs: number, nowMs: () => number): HostsFile {
  let loaded: { atMs: number; entries: Promise<Map<string, HostsEntry>> } | null = null;
  const load = async (): Promise<Map<string, HostsEntry>> => {
    try {
      const text = await readFile(path, 'utf8');
      return text.length > MAX_HOSTS_BYTES ? new Map() : parseHostsFile(text);
    } catch {
      // No hosts file (a container without one) means no entries, not a failed lookup.
      return new Map();
    }
  };
  return {
    async lookup(name) {
      const now = nowMs();
      if (loaded === null || now - loaded.atMs > maxAgeMs) loaded = { atMs: now, entries: load() };
      return (await loaded.entries).get(name) ?? null;
    },
  };
}
