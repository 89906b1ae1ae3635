/** Public keys made with ssh-keygen, with the fingerprints `ssh-keygen -l` printed for them. */
export const ED25519 = {
  type: 'ssh-ed25519',
  base64: 'AAAAC3NzaC1lZDI1NTE5AAAAIDhVfGSqOx1V4vKGhDt8CCgZCPBGdsK7P1yacSaSkLJY',
  fingerprint: 'SHA256:I1d4rWbV2mr207AK/dn6eXLDFSHqJyIOPm3jgr7JcxY',
};

/** A second ed25519 key: "the server was reinstalled". */
export const ED25519_NEW = {
  type: 'ssh-ed25519',
  base64: 'AAAAC3NzaC1lZDI1NTE5AAAAINeEtBlk26zWo82MwC3t+btvNO/B0Q3KHRMHdtggjTAj',
  fingerprint: 'SHA256:XVfJtmrW80OnEvWG4yAxwMUqnrWO2h6Inpsh6dhny1A',
};

export const ECDSA = {
  type: 'ecdsa-sha2-nistp256',
  base64:
    'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBMuPESrFCRy/1ONmBBSeVqDtkdIggUB9+NYAtI0t93ZBj4/TMVpAs6KqF7RE/K2ixLNQ01t549TL2vYe6zWwyvs=',
  fingerprint: 'SHA256:glkfec+g92tPVxdYnyq4k8CeG4QsO0iZPZzmIu54Qew',
};

export const RSA = {
  type: 'ssh-rsa',
  base64:
    'AAAAB3NzaC1yc2EAAAADAQABAAAAgQC4/V/WUW3ElEpHzWNrrLY3lJvTccgaMdFzo7FKtRJMj0qVykVNluHN6tLQDNUiieg/kaxKpSXMgkYEISrhc3xK3PdnpNAhtlJhgDBe7tgbFcPRUF753afAvAFdudXRnH/SjqMPRBwxLdEZTIB+gh2EUp642bOjP5Qel9hdMmKxqw==',
  fingerprint: 'SHA256:NADoL69pjweyl9NWwTb9k5ZKepEaV/UHdHSQtRprOkE',
};

/** `ssh-keygen -H` of "[db1.example.com]:2200 <ED25519>". */
export const HASHED_DB1_2200 = `|1|GBP2IUJrpM07CiTTKtysW8LWI/s=|cVh5YSHEGwZ8pZ/K9VMSODBqIbY= ssh-ed25519 ${ED25519.base64}`;

export function blob(key: { base64: string }): Buffer {
  return Buffer.from(key.base64, 'base64');
}
