import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSshConfig, resolveSshHost, sshHostAliases } from './ssh-config.js';

const CONFIG = `
# Work machines
Host db1 db1-alt
    HostName 10.0.0.5
    User admin
    Port 2200
    IdentityFile ~/.ssh/id_db

host=web
  hostname = web.example.com   # trailing comment
  USER=deploy

Host "quoted name"
  HostName %h.example.com

Host *.lan !printer.lan
  User pi

Match host db1 exec "true"
  User nobody

Host db1
  User ignored-because-first-wins

Host *
  User everyone
  Port 22
  IdentityFile ~/.ssh/id_ed25519
`;

describe('resolveSshHost', () => {
  const blocks = parseSshConfig(CONFIG);

  it('resolves HostName, User, Port and IdentityFile for an alias; the first value wins', () => {
    expect(resolveSshHost(blocks, 'db1')).toEqual({
      hostName: '10.0.0.5',
      user: 'admin',
      port: 2200,
      identityFiles: [
        path.join(os.homedir(), '.ssh/id_db'),
        path.join(os.homedir(), '.ssh/id_ed25519'),
      ],
    });
    expect(resolveSshHost(blocks, 'db1-alt').hostName).toBe('10.0.0.5');
  });

  it('accepts Key=value, any keyword case and trailing comments', () => {
    expect(resolveSshHost(blocks, 'web')).toMatchObject({
      hostName: 'web.example.com',
      user: 'deploy',
      port: 22,
    });
  });

  it('expands %h in HostName and reads quoted patterns', () => {
    expect(resolveSshHost(blocks, 'quoted name').hostName).toBe('quoted name.example.com');
  });

  it('applies wildcard sections, honours negation and ignores Match sections', () => {
    expect(resolveSshHost(blocks, 'nas.lan').user).toBe('pi');
    expect(resolveSshHost(blocks, 'printer.lan').user).toBe('everyone');
  });

  it('leaves a name that no section names as it is', () => {
    const resolved = resolveSshHost(parseSshConfig(''), 'db9.example.com');
    expect(resolved).toEqual({ hostName: 'db9.example.com', identityFiles: [] });
  });

  it('ignores a Port that is not a port number', () => {
    expect(resolveSshHost(parseSshConfig('Host x\n Port http\n'), 'x').port).toBeUndefined();
  });
});

describe('sshHostAliases', () => {
  it('lists concrete aliases in file order, without wildcards, negations or duplicates', () => {
    expect(sshHostAliases(parseSshConfig(CONFIG))).toEqual([
      { alias: 'db1', hostName: '10.0.0.5', user: 'admin', port: 2200 },
      { alias: 'db1-alt', hostName: '10.0.0.5', user: 'admin', port: 2200 },
      { alias: 'web', hostName: 'web.example.com', user: 'deploy', port: 22 },
      { alias: 'quoted name', hostName: 'quoted name.example.com', user: 'everyone', port: 22 },
    ]);
  });
});
