import { useEffect, useRef, useState } from 'react';
import {
  MEMORY_MAX_CHARS,
  type CopilotEntry,
  type CopilotProcedure,
} from '../../protocol/index.js';
import type { SessionView } from '../panel/session-view.js';
import { Markdown, type MarkdownOptions } from './Markdown.js';
import { COPILOT_BUTTONS, handoffText, type CopilotThread } from './thread.js';
import './copilot.css';

/**
 * The Copilot beside the terminal: the four actions and the session's thread, the same for
 * every participant. Below 720 px it is a sheet over the terminal's lower part (the terminal
 * keeps its rows and columns), from 720 px a column beside it (copilot.css).
 */
export function CopilotPane({
  view,
  links = {},
  saveProcedure,
}: {
  view: SessionView;
  links?: MarkdownOptions;
  /** In the extension (not the guest page): keeps a procedure draft as a procedure. */
  saveProcedure?: (draft: CopilotProcedure) => void;
}) {
  const thread = view.copilot;
  const pane = useRef<HTMLElement>(null);
  const list = useRef<HTMLOListElement>(null);
  const count = thread.entries.length;
  const me = view.presence.participants.find((p) =>
    view.selfId === undefined ? p.local : p.id === view.selfId,
  );
  useEffect(() => {
    pane.current?.querySelector<HTMLElement>('.copilot-actions button')?.focus();
  }, []);
  useEffect(() => {
    // Newest at the bottom, in sight as it arrives.
    const el = list.current;
    if (el !== null) el.scrollTop = el.scrollHeight;
  }, [count]);
  const close = (): void => {
    // Focus goes back to what opened the pane: the Copilot button, or the ⋯ menu it folds into.
    const bar = pane.current?.closest('.pane');
    thread.setOpen(false);
    const back =
      bar?.querySelector<HTMLElement>('[data-testid="copilot-button"]') ??
      bar?.querySelector<HTMLElement>('[data-testid="session-actions"]');
    back?.focus();
  };
  return (
    <aside
      className="copilot-pane"
      aria-label="Copilot"
      data-testid="copilot-pane"
      ref={pane}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          close();
        }
      }}
    >
      <header className="copilot-head">
        <h3>Copilot</h3>
        <span className="hint">
          {thread.model === undefined
            ? 'reads this session in your agent; nothing leaves it'
            : `reads this session in your agent; a question goes to ${thread.model} only after you agree`}
        </span>
        {view.role === 'owner' && (
          <label className="copilot-switch" title="Off, the Copilot reads nothing of this session">
            <input
              type="checkbox"
              checked={thread.enabled}
              data-testid="copilot-enabled"
              onChange={(e) => void thread.setEnabled(e.target.checked)}
            />
            On
          </label>
        )}
        <button
          className="small icon"
          aria-label="Close Copilot"
          title="Close Copilot (Escape)"
          data-testid="copilot-close"
          onClick={close}
        >
          ×
        </button>
      </header>
      <div className="copilot-actions" role="group" aria-label="Ask the Copilot">
        {COPILOT_BUTTONS.map(({ action, label }) => (
          <button
            key={action}
            className="small"
            data-action={action}
            disabled={thread.busy !== undefined || !thread.enabled}
            aria-busy={thread.busy === action}
            onClick={() => void thread.ask(action)}
          >
            {thread.busy === action ? `${label}…` : label}
          </button>
        ))}
      </div>
      {thread.model !== undefined && thread.enabled && <QuestionBox thread={thread} />}
      {thread.preview !== undefined && <Consent thread={thread} />}
      <div className="copilot-status" aria-live="polite">
        {!thread.enabled && (
          <span className="hint" data-testid="copilot-off">
            The owner turned the Copilot off for this session: it reads nothing until it is on
            again.
          </span>
        )}
        {thread.busy !== undefined && <span className="hint">Asking the Copilot…</span>}
        {thread.asking && thread.draft === undefined && (
          <span className="hint">Asking {thread.model}…</span>
        )}
        {thread.error !== undefined && (
          <span className="error" role="alert" data-testid="copilot-error">
            {thread.error}
          </span>
        )}
      </div>
      <ol className="copilot-thread" ref={list} data-testid="copilot-thread" tabIndex={0}>
        {count === 0 && (
          <li className="hint copilot-empty">
            No answers yet. Ask above: everyone in this session sees the answers.
          </li>
        )}
        {thread.entries.map((entry) => (
          <li
            key={entry.id}
            className="copilot-entry"
            data-testid="copilot-entry"
            data-action={entry.action}
          >
            <header>
              <strong>{entry.title}</strong>
              {entry.draftBy !== undefined && (
                <span className="copilot-draft-label" data-testid="copilot-draft-label">
                  {entry.draftBy}’s draft — check it before you act on it
                </span>
              )}
              <span className="hint">
                {entry.askedBy.name}
                {entry.askedBy.id === me?.id ? ' (you)' : ''} ·{' '}
                <time dateTime={entry.at}>{clock(entry.at)}</time>
              </span>
            </header>
            <Markdown
              // A handoff note shows the hypothesis as written so far: what "Copy note" copies.
              text={handoffText(entry, thread.hypotheses.get(entry.id) ?? '')}
              options={links}
            />
            {entry.hypothesis !== undefined && <Hypothesis entry={entry} thread={thread} />}
            {entry.procedure !== undefined && saveProcedure !== undefined && (
              <button
                className="small"
                data-testid="copilot-save-procedure"
                title="Keep these steps as a procedure: edit, version and run it step by step"
                onClick={() => entry.procedure !== undefined && saveProcedure(entry.procedure)}
              >
                Save as procedure
              </button>
            )}
            {view.memories?.target !== undefined && (
              <button
                className="small"
                data-testid="copilot-remember"
                title="Keep this as a memory of the device: shown whenever it is opened again"
                onClick={() => view.memories?.open(entry.markdown.slice(0, MEMORY_MAX_CHARS))}
              >
                Remember
              </button>
            )}
          </li>
        ))}
        {thread.draft !== undefined && (
          <li className="copilot-entry" data-testid="copilot-streaming" aria-busy="true">
            <header>
              <strong>Question: {thread.draft.question}</strong>
              <span className="copilot-draft-label">{thread.draft.model} is writing — a draft</span>
            </header>
            <Markdown text={thread.draft.text} options={links} />
          </li>
        )}
      </ol>
    </aside>
  );
}

/** A handoff note's hypothesis: a person writes it here, and "Copy note" carries it along. */
function Hypothesis({ entry, thread }: { entry: CopilotEntry; thread: CopilotThread }) {
  const text = thread.hypotheses.get(entry.id) ?? entry.hypothesis ?? '';
  const [copied, setCopied] = useState<string>();
  const copy = (): void => {
    navigator.clipboard
      .writeText(handoffText(entry, text))
      .then(() => setCopied('Copied'))
      .catch(() => setCopied('Could not copy: the page needs focus — click and try again'));
  };
  return (
    <div className="copilot-hypothesis">
      <label>
        Hypothesis (yours to write; kept on this device, not sent)
        <textarea
          rows={2}
          value={text}
          data-testid="copilot-hypothesis"
          onChange={(e) => {
            setCopied(undefined);
            thread.setHypothesis(entry.id, e.target.value);
          }}
        />
      </label>
      <div className="row">
        <button className="small" data-testid="copilot-copy-note" onClick={copy}>
          Copy note
        </button>
        {copied !== undefined && (
          <span className="hint" role="status">
            {copied}
          </span>
        )}
      </div>
    </div>
  );
}

function clock(at: string): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime())
    ? at
    : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** A free-form question for the agent's language model. */
function QuestionBox({ thread }: { thread: CopilotThread }) {
  const [text, setText] = useState('');
  return (
    <form
      className="copilot-question"
      onSubmit={(e) => {
        e.preventDefault();
        void thread.question(text).then(() => {
          if (thread.error === undefined) setText('');
        });
      }}
    >
      <input
        type="text"
        value={text}
        maxLength={2000}
        placeholder={`Ask ${thread.model ?? 'the model'} about this session`}
        aria-label={`Question for ${thread.model ?? 'the model'}`}
        data-testid="copilot-question"
        onChange={(e) => setText(e.target.value)}
      />
      <button
        className="small"
        type="submit"
        disabled={thread.asking || text.trim() === '' || thread.preview !== undefined}
        data-testid="copilot-question-ask"
      >
        Ask
      </button>
    </form>
  );
}

/**
 * Before the first question of a session leaves the machine: exactly what would be sent, where,
 * and how many secrets were hidden; nothing goes until the person sends it.
 */
function Consent({ thread }: { thread: CopilotThread }) {
  const preview = thread.preview;
  if (preview === undefined) return null;
  const hidden = Object.values(preview.redacted).reduce((sum, n) => sum + n, 0);
  const sent = preview.messages.map((m) => m.content).join('\n\n');
  return (
    <section
      className="copilot-consent"
      aria-label="What will be sent"
      data-testid="copilot-consent"
    >
      <p>
        This goes to <strong>{preview.model}</strong> at <code>{preview.endpoint}</code>, once you
        send it.{' '}
        {hidden === 0
          ? 'No secrets were found in it.'
          : `${hidden} secret${hidden === 1 ? ' was' : 's were'} replaced with [redacted …].`}{' '}
        You are asked once per session.
      </p>
      <pre tabIndex={0} data-testid="copilot-consent-text">
        {sent}
      </pre>
      <div className="row">
        <button
          className="small primary"
          data-testid="copilot-consent-send"
          onClick={() => void thread.send(preview.question, true)}
        >
          Send
        </button>
        <button className="small" onClick={() => thread.cancelPreview()}>
          Cancel
        </button>
      </div>
    </section>
  );
}
