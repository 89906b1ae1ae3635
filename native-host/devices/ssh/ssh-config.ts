import os from 'node:os';
import path from 'node:path';
import type { SshHostAlias } from '../../../protocol/index.js';
import { isWildcardPattern, matchPatternList } from './host-pattern.js';

/** One `Host` section of ~/.ssh/config; lines before the first `Host` apply to every host. */
export interface SshConfigBlock {
  /** Empty for `Match` sections, which Tandem does not evaluate (they never apply). */
  patterns: string[];
  /** Keywords lower-cased, in file order. */
  options: { keyword: string; args: string[] }[];
}

export interface ResolvedSshHost {
  /** The name to connect to: HostName if the alias sets one, else the alias itself. */
  hostName: string;
  user?: string;
  port?: number;
  identityFiles: string[];
}

export function parseSshConfig(text: string): SshConfigBlock[] {
  let current: SshConfigBlock = { patterns: ['*'], options: [] };
  const blocks = [current];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    // "Keyword value" or "Keyword=value" (spaces allowed around "=").
    const match = /^([A-Za-z][A-Za-z0-9]*)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (match === null) continue;
    const keyword = (match[1] ?? '').toLowerCase();
    const args = splitArguments(match[2] ?? '');
    if (keyword === 'host' || keyword === 'match') {
      current = { patterns: keyword === 'host' ? args : [], options: [] };
      blocks.push(current);
    } else if (args.length > 0) {
      current.options.push({ keyword, args });
    }
  }
  return blocks;
}

/** Whitespace-separated words; double quotes group words; a trailing comment ends the line. */
function splitArguments(text: string): string[] {
  const words: string[] = [];
  const pattern = /"([^"]*)"|(\S+)/g;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const word = match[1] ?? match[2] ?? '';
    if (match[2]?.startsWith('#') === true) break;
    words.push(word);
  }
  return words;
}

/** OpenSSH semantics: for each keyword the first value from any matching section wins. */
export function resolveSshHost(blocks: readonly SshConfigBlock[], alias: string): ResolvedSshHost {
  let hostName: string | undefined;
  let user: string | undefined;
  let port: number | undefined;
  const identityFiles: string[] = [];
  for (const block of blocks) {
    if (!matchPatternList(alias, block.patterns)) continue;
    for (const { keyword, args } of block.options) {
      const value = args[0] ?? '';
      if (keyword === 'hostname')
        hostName ??= value.replace(/%(%|h)/g, (_, token: string) => (token === 'h' ? alias : '%'));
      else if (keyword === 'user') user ??= value;
      else if (keyword === 'port') port ??= parsePort(value);
      else if (keyword === 'identityfile') identityFiles.push(expandHome(value));
    }
  }
  return {
    hostName: hostName ?? alias,
    ...(user !== undefined && { user }),
    ...(port !== undefined && { port }),
    identityFiles,
  };
}

/** Concrete Host aliases (no wildcards or negations), in file order, with what they resolve to. */
export function sshHostAliases(blocks: readonly SshConfigBlock[]): SshHostAlias[] {
  const seen = new Set<string>();
  const aliases: SshHostAlias[] = [];
  for (const block of blocks) {
    for (const pattern of block.patterns) {
      if (isWildcardPattern(pattern) || seen.has(pattern)) continue;
      seen.add(pattern);
      const resolved = resolveSshHost(blocks, pattern);
      aliases.push({
        alias: pattern,
        ...(resolved.hostName !== pattern && { hostName: resolved.hostName }),
        ...(resolved.user !== undefined && { user: resolved.user }),
        ...(resolved.port !== undefined && { port: resolved.port }),
      });
    }
  }
  return aliases;
}

function parsePort(value: string): number | undefined {
  if (!/^\d+$/.test(value)) return undefined;
  const port = Number(value);
  return port >= 1 && port <= 65535 ? port : undefined;
}

export function expandHome(file: string): string {
  if (file === '~') return os.homedir();
  if (file.startsWith('~/')) return path.join(os.homedir(), file.slice(2));
  return file;
}
