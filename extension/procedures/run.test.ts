import { describe, expect, it } from 'vitest';
import { parseProcedure } from './procedure.js';
import { ProcedureRun } from './run.js';

const procedure = parseProcedure(
  [
    '# Bounce a port',
    '### 1. Shut',
    '```',
    'interface {{interface}}',
    'shutdown',
    '```',
    'Expected:',
    '```',
    'Interface {{interface}}, changed state to administratively down',
    '```',
    '### 2. Wait',
    '```',
    'sleep 5',
    '```',
    '### 3. Open',
    '```',
    'no shutdown',
    '```',
  ].join('\n'),
);

function session(): {
  typed: string[];
  marks: string[];
  io: ConstructorParameters<typeof ProcedureRun>[3];
} {
  const typed: string[] = [];
  const marks: string[] = [];
  return {
    typed,
    marks,
    io: {
      type: (text) => typed.push(text),
      mark: (label) => {
        marks.push(label);
        return Promise.resolve();
      },
    },
  };
}

describe('a procedure run', () => {
  it('types nothing until a step is confirmed, skips on request, and marks every step', async () => {
    const { typed, marks, io } = session();
    const run = new ProcedureRun(procedure, 3, { interface: 'Gi1/0/7' }, io);
    await run.start();
    expect(typed).toEqual([]);
    expect(run.expected[0]).toBe('Interface Gi1/0/7, changed state to administratively down');
    await run.run();
    expect(typed).toEqual(['interface Gi1/0/7\rshutdown\r']);
    await run.skip();
    await run.run();
    expect(typed).toEqual(['interface Gi1/0/7\rshutdown\r', 'no shutdown\r']);
    expect(run.done).toBe(true);
    expect(run.outcomes).toEqual(['run', 'skipped', 'run']);
    expect(marks).toEqual([
      'Procedure “Bounce a port” v3 started (interface=Gi1/0/7)',
      'Procedure “Bounce a port” v3, step 1/3 run: interface Gi1/0/7',
      'Procedure “Bounce a port” v3, step 2/3 skipped: Wait',
      'Procedure “Bounce a port” v3, step 3/3 run: no shutdown',
      'Procedure “Bounce a port” v3 finished: 2 run, 1 skipped',
    ]);
  });

  it('does not start without every parameter, and stops when told', async () => {
    const { typed, marks, io } = session();
    expect(() => new ProcedureRun(procedure, 1, {}, io)).toThrow(/Fill in “interface” first/);
    const run = new ProcedureRun(procedure, 1, { interface: 'Gi1/0/1' }, io);
    await run.stop();
    await run.run();
    expect(typed).toEqual([]);
    expect(marks).toEqual(['Procedure “Bounce a port” v1 stopped before step 1']);
  });
});
