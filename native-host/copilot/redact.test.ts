import { describe, expect, it } from 'vitest';
import { redact } from './redact.js';

/** Each case: text that holds a secret, and the secret, which must not survive. */
const SECRETS: [string, string][] = [
  [
    '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\nAAAAMwAAAAtzc2gtZWQy\n-----END OPENSSH PRIVATE KEY-----',
    'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ',
  ],
  [
    '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun',
    'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun',
  ],
  ['psql postgres://app:S3cr3t-Pa55@db.internal:5432/prod', 'S3cr3t-Pa55'],
  ['redis-cli -u redis://default:r3disPw@10.0.0.5:6379', 'r3disPw'],
  [
    'curl -H "Authorization: Bearer abcDEF123.ghiJKL456.mnoPQR789" https://api',
    'abcDEF123.ghiJKL456.mnoPQR789',
  ],
  ['export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
  [
    'export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  ],
  [
    'git clone https://ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789@github.com/x/y',
    'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789',
  ],
  ['SLACK=xoxb-1234567890-abcdefghijkl', 'xoxb-1234567890-abcdefghijkl'],
  ['OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwx', 'sk-proj-abcdefghijklmnopqrstuvwx'],
  [
    'token: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.SflKxwRJSMeKKF2QT4fwpMeJf36',
    'SflKxwRJSMeKKF2QT4fwpMeJf36',
  ],
  ['password = hunter2', 'hunter2'],
  ['  db_password: "correct-horse"', 'correct-horse'],
  ['client_secret=Zm9vYmFyYmF6', 'Zm9vYmFyYmF6'],
  ['mysql -u root -pT0pS3cret prod', 'T0pS3cret'],
  ['sshpass -p Winter2026 ssh admin@10.1.1.1', 'Winter2026'],
  ['vault login --password=VaultPw99', 'VaultPw99'],
  ['username admin privilege 15 password 0 C1sc0Lab!', 'C1sc0Lab!'],
  ['enable secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0', '$1$mERr$hx5rVt7rPNoS4wqbXKX7m0'],
  ['set system root-authentication encrypted-password "$6$abc$defghijk"', '$6$abc$defghijk'],
  ['snmp-server community Publ1cR34d RO', 'Publ1cR34d'],
];

describe('redact', () => {
  it.each(SECRETS)('hides the secret in %j', (text, secret) => {
    const { text: out, counts } = redact(text);
    expect(out).not.toContain(secret);
    expect(out).toContain('[redacted');
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('leaves ordinary output alone', () => {
    const text = [
      'ls: cannot access /srv/app: No such file or directory',
      'PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.',
      'Gi1/0/3  printer-2f  err-disabled  12  auto  auto 10/100/1000BaseTX',
      'https://example.com/docs/install.html',
      'systemctl restart nginx',
    ].join('\n');
    expect(redact(text)).toEqual({ text, counts: {} });
  });

  it('does not eat the next line after a key with no value', () => {
    expect(redact('password\nuptime 3 days').text).toBe('password\nuptime 3 days');
  });
});
