import { describe, expect, it } from 'vitest';
import {
  fillParameters,
  parametersOf,
  parseProcedure,
  procedureFromCopilot,
  procedureMarkdown,
  type ParsedProcedure,
} from './procedure.js';

const PORT_RESET = [
  '# Reset a switch port',
  '',
  'When a port is stuck in err-disabled.',
  '',
  '## Steps',
  '',
  '### 1. Shut the port',
  '',
  '```',
  'interface {{interface}}',
  'shutdown',
  '```',
  '',
  'Expected:',
  '',
  '```',
  '%LINK-5-CHANGED: Interface {{ interface }}, changed state to administratively down',
  '```',
  '',
  '### 2. Check',
  '',
  '~~~sh',
  'show interface {{interface}} status | i {{vlan}}',
  '~~~',
].join('\n');

describe('procedures as Markdown', () => {
  it('reads name, description, steps with command and expected output, and parameters', () => {
    const parsed = parseProcedure(PORT_RESET);
    expect(parsed.name).toBe('Reset a switch port');
    expect(parsed.description).toBe('When a port is stuck in err-disabled.');
    expect(parsed.steps).toEqual([
      {
        title: 'Shut the port',
        command: 'interface {{interface}}\nshutdown',
        expected:
          '%LINK-5-CHANGED: Interface {{ interface }}, changed state to administratively down',
      },
      { title: 'Check', command: 'show interface {{interface}} status | i {{vlan}}', expected: '' },
    ]);
    expect(parametersOf(parsed)).toEqual(['interface', 'vlan']);
  });

  it('writes Markdown that reads back the same, even with backticks in a command', () => {
    const procedure: ParsedProcedure = {
      name: 'Odd quoting',
      description: 'Two lines\nof description.',
      steps: [{ title: 'Print', command: 'echo "```" `date`', expected: '```\nMon' }],
    };
    expect(parseProcedure(procedureMarkdown(procedure))).toEqual(procedure);
    expect(parseProcedure(procedureMarkdown(parseProcedure(PORT_RESET)))).toEqual(
      parseProcedure(PORT_RESET),
    );
  });

  it('says what is wrong with Markdown that is not a procedure', () => {
    expect(() => parseProcedure('no heading\n### 1. a\n```\nls\n```')).toThrow(/# ” heading/);
    expect(() => parseProcedure('# Empty\n\nNothing here.')).toThrow(/at least one step/);
    expect(() => parseProcedure('# P\n### 1. Lost\nno code')).toThrow(/Step “Lost” has no command/);
    expect(() => parseProcedure('# P\n### 1. Open\n```\nls')).toThrow(/not closed/);
  });

  it('fills parameters and refuses to type one left empty', () => {
    const text = 'interface {{interface}}\nswitchport access vlan {{ vlan }}';
    expect(fillParameters(text, { interface: 'Gi1/0/7', vlan: '20' })).toBe(
      'interface Gi1/0/7\nswitchport access vlan 20',
    );
    expect(() => fillParameters(text, { interface: 'Gi1/0/7', vlan: '' })).toThrow(
      /Fill in “vlan” first/,
    );
  });

  it('turns the Copilot’s draft into steps with {{parameters}}', () => {
    const parsed = procedureFromCopilot(
      {
        parameters: [{ name: 'INTERFACE', example: 'Gi1/0/3' }],
        steps: [
          { command: 'interface <INTERFACE>', expected: [], changesState: true },
          {
            command: 'write memory',
            expected: ['Building configuration...', '[OK]'],
            changesState: true,
          },
        ],
      },
      'sw-core-1',
    );
    expect(parsed.steps).toEqual([
      { title: 'interface {{interface}}', command: 'interface {{interface}}', expected: '' },
      {
        title: 'write memory',
        command: 'write memory',
        expected: 'Building configuration...\n[OK]',
      },
    ]);
    expect(parsed.description).toContain('`{{interface}}` (here: Gi1/0/3)');
    expect(parseProcedure(procedureMarkdown(parsed))).toEqual(parsed);
  });
});
