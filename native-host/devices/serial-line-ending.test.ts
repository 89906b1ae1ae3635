import { describe, expect, it } from 'vitest';
import { createLineEndingTranslator } from './serial-line-ending.js';

describe('createLineEndingTranslator', () => {
  it('turns the terminal Enter (CR) into each ending', () => {
    expect(createLineEndingTranslator('cr')('show ver\r')).toBe('show ver\r');
    expect(createLineEndingTranslator('lf')('show ver\r')).toBe('show ver\n');
    expect(createLineEndingTranslator('crlf')('show ver\r')).toBe('show ver\r\n');
  });

  it('treats a lone LF and a CRLF pair as one Enter each', () => {
    const translate = createLineEndingTranslator('crlf');
    expect(translate('a\nb\r\nc\rd')).toBe('a\r\nb\r\nc\r\nd');
    expect(createLineEndingTranslator('cr')('a\nb\r\nc')).toBe('a\rb\rc');
  });

  it('counts a CRLF split across two writes once', () => {
    const translate = createLineEndingTranslator('lf');
    expect(translate('conf t\r')).toBe('conf t\n');
    expect(translate('\nexit\r')).toBe('exit\n');
  });

  it('keeps consecutive Enters and other bytes as they are', () => {
    const translate = createLineEndingTranslator('crlf');
    expect(translate('\r\r')).toBe('\r\n\r\n');
    expect(translate('\x03\x1b[A é')).toBe('\x03\x1b[A é');
  });
});
