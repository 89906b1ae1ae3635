import type { SessionView } from './session-view.js';

/**
 * The lock in the session bar: "type a secret". (Not over the terminal, where it hid text.) Pressed, the next line (until Enter) is
 * kept out of the recording, local echo and what others are shown, whatever the agent's prompt
 * detection says; it releases itself after Enter. Shown only to those who may type.
 */
export function SecretLineButton({ view }: { view: SessionView }) {
  const ended = view.state === 'exited' || view.state === 'ended';
  if (view.role === 'viewer' || view.watching || ended) return null;
  const on = view.secretLine.active;
  return (
    <button
      type="button"
      className={`secret-toggle${on ? ' on' : ''}`}
      data-testid="secret-toggle"
      aria-pressed={on}
      aria-label={
        on
          ? 'Typing a secret: the next line is not recorded or shown to others (click to cancel)'
          : 'Type a secret: keep the next line out of the recording and what others see'
      }
      title={
        on
          ? 'Typing a secret — until Enter, keys are not recorded or shown to others'
          : 'Type a secret (the next line is not recorded or shown to others)'
      }
      onMouseDown={(e) => e.preventDefault()}
      onClick={() => {
        view.secretLine.toggle();
        view.terminal.term.focus();
      }}
    >
      <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
        <path
          d={on ? 'M4.5 7V5a3.5 3.5 0 0 1 7 0v2' : 'M4.5 7V5a3.5 3.5 0 0 1 6.8-1.2'}
          fill="none"
          stroke="currentColor"
          strokeWidth="1.6"
        />
        <rect x="2.5" y="7" width="11" height="7.5" rx="1.5" fill="currentColor" />
      </svg>
      <span className="secret-label">{on ? 'Secret line' : 'Secret'}</span>
    </button>
  );
}
