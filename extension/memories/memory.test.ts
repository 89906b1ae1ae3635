import { describe, expect, it } from 'vitest';
import { MEMORY_MAX_CHARS, memoryMatches, memoryText, type Memory } from './memory.js';
import { SYSTEM_NAME_MAX, isSystemKey, systemKey, systemName } from './systems.js';

const memory: Memory = {
  targetKey: 'usb-serial:0403:6001:A12345',
  targetLabel: 'FTDI FT232R A12345',
  text: 'Gi1/0/7 flaps when fan 2 fails',
  createdAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:00:00.000Z',
  sessionName: 'Core switch',
};

describe('memories', () => {
  it('keep trimmed text, refuse blank, and cut at the limit', () => {
    expect(memoryText('  fan 2 \n')).toBe('fan 2');
    expect(() => memoryText(' \n ')).toThrow(/cannot be empty/);
    expect(memoryText('x'.repeat(MEMORY_MAX_CHARS + 10))).toHaveLength(MEMORY_MAX_CHARS);
  });

  it('are found by words of their text, device or session', () => {
    expect(memoryMatches(memory, 'FAN gi1/0/7')).toBe(true);
    expect(memoryMatches(memory, 'ftdi core')).toBe(true);
    expect(memoryMatches(memory, 'fan psu')).toBe(false);
    expect(memoryMatches(memory, '')).toBe(true);
  });

  it('of a named system are keyed by its name, whatever its case and spacing', () => {
    expect(systemName('  Lab   Core ')).toBe('Lab Core');
    expect(systemKey('Lab Core')).toBe(systemKey(' lab  core'));
    expect(systemKey('Lab Core')).not.toBe(systemKey('Lab Cor'));
    expect(isSystemKey(systemKey('Lab Core'))).toBe(true);
    expect(isSystemKey('ssh-host-key:SHA256:abc')).toBe(false);
    expect(() => systemName(' ')).toThrow(/Name the system/);
    expect(() => systemName('x'.repeat(SYSTEM_NAME_MAX + 1))).toThrow(/at most 64/);
  });
});
