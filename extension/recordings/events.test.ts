import { describe, expect, it } from 'vitest';
import { LineSplitter, parseEventLine, peekEventLine } from './events.js';

describe('parseEventLine', () => {
  it('reads the events replay needs', () => {
    expect(parseEventLine('[12,"o","hi\\r\\n"]')).toEqual({ t: 12, code: 'o', data: 'hi\r\n' });
    expect(parseEventLine('[5,"i","local:me","ls\\r"]')).toEqual({
      t: 5,
      code: 'i',
      participantId: 'local:me',
      data: 'ls\r',
    });
    expect(parseEventLine('[7,"s","local:me"]')).toEqual({
      t: 7,
      code: 's',
      participantId: 'local:me',
    });
    expect(parseEventLine('[9,"r",100,30]')).toEqual({ t: 9, code: 'r', cols: 100, rows: 30 });
    expect(parseEventLine('[900,"k",800,1234,80,24,"screen"]')).toEqual({
      t: 900,
      code: 'k',
      at: 800,
      eventsOffset: 1234,
      cols: 80,
      rows: 24,
      data: 'screen',
    });
  });

  it('skips unknown codes and rejects what is not an event', () => {
    expect(parseEventLine('[3,"j","p1","Ann","viewer"]')).toEqual({ t: 3, code: 'other' });
    expect(parseEventLine('{"tandem":"recording"}')).toBeUndefined();
    expect(parseEventLine('[3,"o",')).toBeUndefined(); // torn
    expect(parseEventLine('[3,"o",42]')).toBeUndefined();
    expect(parseEventLine('[3,"r",0,24]')).toBeUndefined();
    expect(parseEventLine('["3","o","x"]')).toBeUndefined();
  });
});

describe('peekEventLine', () => {
  it('reads time and code from the line start only', () => {
    expect(peekEventLine('[1234,"i","local:me","x"]')).toEqual({ t: 1234, code: 'i' });
    expect(peekEventLine('{"tandem":1}')).toBeUndefined();
  });
});

describe('LineSplitter', () => {
  it('joins a line split across chunks and keeps a torn end apart', () => {
    const s = new LineSplitter();
    expect(s.push('a\nb')).toEqual(['a']);
    expect(s.push('c\nd\n')).toEqual(['bc', 'd']);
    expect(s.push('torn')).toEqual([]);
    expect(s.rest).toBe('torn');
  });
});
