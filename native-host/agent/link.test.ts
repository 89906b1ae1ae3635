import { describe, expect, it } from 'vitest';
import { event } from '../../protocol/index.js';
import { outputEventJson } from './link.js';

describe('outputEventJson', () => {
  it('writes the same bytes as the event builder, for data that needs escaping', () => {
    const data = 'line "one"\r\n\x1b[31mred\x1b[0m \\ é 😀 \u2028';
    expect(outputEventJson('s-1', 42, JSON.stringify(data))).toBe(
      JSON.stringify(event('session.output', { sessionId: 's-1', seq: 42, data })),
    );
  });
});
