import { useState } from 'react';
import type { ParticipantInfo } from '../../protocol/index.js';
import type { SessionView } from '../panel/session-view.js';

const STEPS = [
  'Current operator states the session’s state',
  'New operator confirms target host, privilege and next command',
  'Owner promotes the new operator',
  'Previous operator drops to viewer',
] as const;

/** The four-step keyboard handoff; the owner's steps can make the role changes themselves. */
export function Handoff({ view }: { view: SessionView }) {
  const [done, setDone] = useState<boolean[]>([false, false, false, false]);
  const [next, setNext] = useState<string>('');
  const [error, setError] = useState<string>();
  const people = view.presence.present.filter((p) => !p.local && p.id !== view.selfId);
  const typists = view.presence.present.filter(
    (p) => p.role === 'coworker' && p.id !== next && !p.local,
  );
  const owner = view.role === 'owner';
  const mark = (i: number, value: boolean): void =>
    setDone((d) => d.map((x, j) => (j === i ? value : x)));
  const setRole = async (p: ParticipantInfo, role: 'coworker' | 'viewer', step: number) => {
    try {
      await view.transport.request('participant.setRole', {
        sessionId: view.id,
        participantId: p.id,
        role,
      });
      mark(step, true);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const target = people.find((p) => p.id === next);
  return (
    <section className="drawer handoff" data-testid="handoff" aria-label="Handoff checklist">
      {owner && (
        <label className="row">
          New operator{' '}
          <select value={next} onChange={(e) => setNext(e.target.value)}>
            <option value="">choose…</option>
            {people.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <ol className="steps">
        {STEPS.map((label, i) => (
          <li key={label}>
            <label>
              <input
                type="checkbox"
                checked={done[i] ?? false}
                onChange={(e) => mark(i, e.target.checked)}
              />{' '}
              {label}
            </label>
            {owner && i === 2 && target !== undefined && target.role === 'viewer' && (
              <button className="small" onClick={() => void setRole(target, 'coworker', 2)}>
                Promote {target.name}
              </button>
            )}
            {owner &&
              i === 3 &&
              typists.map((p) => (
                <button key={p.id} className="small" onClick={() => void setRole(p, 'viewer', 3)}>
                  {p.name} → viewer
                </button>
              ))}
          </li>
        ))}
      </ol>
      {error !== undefined && <p className="error">{error}</p>}
    </section>
  );
}
