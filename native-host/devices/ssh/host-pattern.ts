/**
 * OpenSSH host patterns, shared by ssh_config `Host` lines and known_hosts host fields:
 * `*` matches any run of characters, `?` exactly one, a leading `!` negates. Host names
 * compare case-insensitively.
 */
export function matchPattern(name: string, pattern: string): boolean {
  let source = '';
  for (const char of pattern.toLowerCase()) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's').test(name.toLowerCase());
}

/** True when a positive pattern matches and no negated one does (negation always wins). */
export function matchPatternList(name: string, patterns: readonly string[]): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (matchPattern(name, pattern.slice(1))) return false;
    } else if (matchPattern(name, pattern)) {
      matched = true;
    }
  }
  return matched;
}

export function isWildcardPattern(pattern: string): boolean {
  return pattern.startsWith('!') || pattern.includes('*') || pattern.includes('?');
}
