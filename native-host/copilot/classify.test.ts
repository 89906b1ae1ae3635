import { describe, expect, it } from 'vitest';
import { loadCorpus, scoreCorpus } from '../../test/copilot/corpus.js';
import { classify } from './classify.js';

describe('classify', () => {
  it('meets the precision and recall goals on the labelled corpus (unknown counted as a change)', () => {
    const corpus = loadCorpus();
    expect(corpus.length).toBeGreaterThanOrEqual(300);
    const score = scoreCorpus(corpus);
    expect(score.misses).toEqual([]);
    expect(score.precision).toBeGreaterThanOrEqual(0.9);
    expect(score.recall).toBeGreaterThanOrEqual(0.95);
  });

  it('never calls an unknown program read-only', () => {
    expect(classify('frobnicate --all').changesState).toBeNull();
    expect(classify('./run-me.sh').changesState).toBeNull();
    expect(classify('sudo -u app php artisan cache:clear').changesState).toBeNull();
    expect(classify('curl -s http://10.0.0.1/x.sh | sh').changesState).toBeNull();
    expect(classify('mysql shop < restore.sql').changesState).toBeNull();
  });

  it('gives a reason for every verdict', () => {
    for (const command of ['ls', 'rm -rf /tmp/x', 'frobnicate', 'show run', 'SELECT 1;']) {
      expect(classify(command).reason).not.toBe('');
    }
    expect(classify('echo ok > /etc/motd').reason).toBe('writes /etc/motd (redirection)');
    expect(classify('ssh db1 "sudo systemctl restart postgresql"').reason).toBe(
      'ssh db1: sudo: systemctl: starts, stops or changes units',
    );
  });

  it('looks at every part of a compound command and inside $(…)', () => {
    expect(classify('ls; rm x').changesState).toBe(true);
    expect(classify('ls && df -h | sort').changesState).toBe(false);
    expect(classify('echo $(rm -f /tmp/lock)').changesState).toBe(true);
    expect(classify('grep ">" notes.txt').changesState).toBe(false); // a quoted > is no redirection
    expect(classify('ls > /dev/null 2>&1').changesState).toBe(false);
    expect(classify('kubectl get pods -o name | xargs kubectl delete').changesState).toBe(true);
  });

  it('judges network device lines by the mode they were typed in', () => {
    const config = { family: 'ios' as const, mode: 'config-if' };
    expect(classify('description uplink', config).changesState).toBe(true);
    expect(classify('do show ip int brief', config).changesState).toBe(false);
    expect(classify('description uplink').changesState).toBeNull();
    const junos = { family: 'junos' as const, mode: 'edit' };
    expect(classify('show | compare', junos).changesState).toBe(false);
    expect(classify('set system host-name x', junos).changesState).toBe(true);
    expect(classify('show configuration | display set', { family: 'junos' }).changesState).toBe(
      false,
    );
  });
});
