import { useEffect, useRef, useState } from 'react';
import type { ParticipantInfo } from '../../protocol/index.js';
import { SecretLineButton } from '../panel/SecretLineButton.js';
import type { SessionView } from '../panel/session-view.js';
import { ChatPanel } from './ChatPanel.js';
import { textOn } from './contrast.js';
import { Handoff } from './Handoff.js';
import { initials, ROLE_LABEL, typingText, type Ask } from './presence.js';
import { roleActions, type RoleAction } from './roles-menu.js';
import { ShareDialog } from './ShareDialog.js';
import { ActionsMenu, type BarAction } from './ActionsMenu.js';
import { useNarrow } from './use-narrow.js';
import type { CallCommand } from '../call/window-link.js';
import '../call/call.css';
import './sharing.css';

type Drawer = 'share' | 'chat' | 'handoff' | undefined;

/** A session's people: avatars, typing, asks for the owner, notices, and the sharing tools. */
/** How the bar reaches this browser's call: the pop-out window, or the guest page's call view. */
export interface CallActions {
  open: () => void;
  command: (command: CallCommand) => void;
}

export function SessionBar({
  view,
  call,
  onEndSession,
  onRunProcedure,
}: {
  view: SessionView;
  call?: CallActions;
  /** The owner's own live session: opens the end-session checklist. */
  onEndSession?: () => void;
  /** A live session this view may type in: opens the procedure runner. */
  onRunProcedure?: () => void;
}) {
  const { presence, role } = view;
  const [drawer, setDrawer] = useState<Drawer>();
  const [menu, setMenu] = useState<{ x: number; y: number; target: ParticipantInfo }>();
  const [error, setError] = useState<string>();
  const [, tick] = useState(0);
  useEffect(() => {
    // Toasts expire on their own; re-render while any are showing.
    if (presence.toasts.length === 0) return;
    const t = setInterval(() => {
      presence.expire();
      tick((n) => n + 1);
    }, 1000);
    return () => clearInterval(t);
  }, [presence, presence.toasts.length]);

  const run = (p: Promise<unknown>): void => {
    setError(undefined);
    p.catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  };
  const act = (target: ParticipantInfo, action: RoleAction): void => {
    setMenu(undefined);
    const { id: sessionId } = view;
    run(
      action.kind === 'remove'
        ? view.transport.request('participant.remove', {
            sessionId,
            participantId: target.id,
            revokeInvite: action.revokeInvite,
          })
        : view.transport.request('participant.setRole', {
            sessionId,
            participantId: target.id,
            role: action.role,
          }),
    );
  };
  const answer = (ask: Ask, yes: boolean): void => {
    presence.answered(ask);
    const { id: sessionId } = view;
    const participantId = ask.participant.id;
    run(
      ask.kind === 'lobby'
        ? view.transport.request('lobby.admit', { sessionId, participantId, admit: yes })
        : yes
          ? view.transport.request('participant.setRole', {
              sessionId,
              participantId,
              role: 'coworker',
            })
          : view.transport.request('keyboard.decline', { sessionId, participantId }),
    );
  };
  const typing = typingText(presence.typingNames(view.selfId));
  const toggle = (d: Drawer): void => setDrawer(drawer === d ? undefined : d);
  const people = presence.present;
  const bar = useRef<HTMLDivElement>(null);
  const actions: BarAction[] = [];
  if (role === 'viewer')
    actions.push({
      label: 'Request keyboard',
      run: () => run(view.transport.request('keyboard.request', { sessionId: view.id })),
    });
  if (role === 'owner' && !view.remote)
    actions.push({
      label: 'Share',
      testId: 'share-button',
      expanded: drawer === 'share',
      run: () => toggle('share'),
    });
  actions.push({
    label: `Chat${presence.unread > 0 && drawer !== 'chat' ? ` (${presence.unread})` : ''}`,
    testId: 'chat-button',
    expanded: drawer === 'chat',
    run: () => toggle('chat'),
  });
  actions.push({
    label: 'Copilot',
    testId: 'copilot-button',
    expanded: view.copilot.open,
    run: () => view.copilot.setOpen(!view.copilot.open),
  });
  // The call lives in this row (a strip of its own would take a line from the terminal and
  // resize it): a chip with who speaks, Mute always in reach, the rest with the bar's actions.
  // A call needs two people; anyone may start or join it, viewers too.
  const onCallIds = new Set(view.callers.map((c) => c.participant.id));
  const callStatus = view.callWindow;
  const inCall = callStatus?.inCall === true;
  if (call !== undefined && inCall) {
    actions.unshift(
      { label: 'Show call', testId: 'call-show', run: call.open },
      {
        label: callStatus.camera ? 'Stop video' : 'Start video',
        testId: 'call-video',
        run: () => call.command(callStatus.camera ? 'camera-off' : 'camera-on'),
      },
      { label: 'Leave call', testId: 'call-leave-bar', run: () => call.command('leave') },
    );
  }
  // Starting or joining a call stays in reach at any width, as Mute does once on it.
  const canCall = call !== undefined && !inCall && (people.length > 1 || view.callers.length > 0);
  // The speaker's avatar lights up: nothing in the row moves while people talk.
  const speaking = callStatus?.speakerId;
  if (people.length > 1)
    actions.push({
      label: 'Handoff',
      expanded: drawer === 'handoff',
      run: () => toggle('handoff'),
    });

  if (onRunProcedure !== undefined && role !== 'viewer')
    actions.push({ label: 'Run procedure…', testId: 'run-procedure', run: onRunProcedure });
  if (onEndSession !== undefined && role === 'owner')
    actions.push({ label: 'End session…', testId: 'end-session', run: onEndSession });

  // Below this width the bar's buttons go into one menu, so avatars and typing keep their room.
  // Four buttons (a shared session: Share or Request keyboard, Chat, Copilot, Handoff) left
  // "Ana Lo…" of "Ana Lopez is typing" at 500 px: they fold sooner.
  const narrow = useNarrow(bar, actions.length > 3 ? 520 : 440);

  return (
    <div className="session-bar" data-testid="session-bar" ref={bar}>
      <div className="session-bar-row">
        <ul className="avatars" aria-label="People in this session">
          {people.map((p) => (
            <li
              key={p.id}
              className={`avatar role-${p.role} ${p.typing ? 'is-typing' : ''} ${onCallIds.has(p.id) ? 'on-call' : ''} ${speaking === p.id ? 'speaking' : ''}`}
              style={{ background: p.color, color: textOn(p.color) }}
              title={`${p.name} — ${ROLE_LABEL[p.role]}${p.id === view.selfId ? ' (you)' : ''}${onCallIds.has(p.id) ? ', on the call' : ''}`}
              data-on-call={onCallIds.has(p.id)}
              data-participant={p.name}
              data-role={p.role}
              onContextMenu={(e) => {
                e.preventDefault();
                if (roleActions(p, role, view.selfId).length > 0)
                  setMenu({ x: e.clientX, y: e.clientY, target: p });
              }}
            >
              {initials(p.name)}
            </li>
          ))}
        </ul>
        {view.callers.length > 0 && (
          <span
            className="call-chip"
            data-testid="call-chip"
            title={view.callers.map((c) => c.participant.name).join(', ')}
          >
            {view.callers.length} on call
          </span>
        )}
        {canCall && (
          <button
            className={`small ${view.callers.length > 0 ? 'primary' : ''}`}
            data-testid="call-button"
            onClick={call.open}
          >
            {/* Beside the "3 on call" chip, "Join" says enough where room is short. */}
            {view.callers.length > 0 ? (narrow ? 'Join' : 'Join call') : 'Call'}
          </button>
        )}
        {call !== undefined && inCall && (
          <button
            className="small"
            data-testid="call-mute-bar"
            aria-pressed={callStatus.muted}
            onClick={() => call.command(callStatus.muted ? 'unmute' : 'mute')}
          >
            {callStatus.muted ? 'Unmute' : 'Mute'}
          </button>
        )}
        <span className="typing" data-testid="typing" aria-live="polite">
          {typing}
        </span>
        <span className="spacer" />
        <SecretLineButton view={view} />
        {role === 'viewer' && (
          <span className="badge readonly" data-testid="read-only">
            Read-only
          </span>
        )}
        {narrow ? (
          <ActionsMenu actions={actions} />
        ) : (
          actions.map((a) => (
            <button
              key={a.label}
              className="small"
              data-testid={a.testId}
              aria-expanded={a.expanded}
              onClick={a.run}
            >
              {a.label}
            </button>
          ))
        )}
      </div>
      {presence.asks.map((ask) =>
        role === 'owner' ? (
          <div className="ask" key={`${ask.kind}-${ask.participant.id}`} role="alert">
            {ask.kind === 'lobby'
              ? `${ask.participant.name} is waiting`
              : `${ask.participant.name} asks for the keyboard`}
            <button className="small primary" onClick={() => answer(ask, true)}>
              {ask.kind === 'lobby' ? 'Admit' : 'Grant'}
            </button>
            <button className="small" onClick={() => answer(ask, false)}>
              Decline
            </button>
          </div>
        ) : null,
      )}
      {error !== undefined && (
        <div className="ask error" role="alert">
          {error}
        </div>
      )}
      {drawer === 'share' && <ShareDialog view={view} onClose={() => setDrawer(undefined)} />}
      {drawer === 'chat' && <ChatPanel view={view} />}
      {drawer === 'handoff' && <Handoff view={view} />}
      <div className="toasts" data-testid="toasts">
        {presence.toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.kind}`}>
            {t.text}
          </div>
        ))}
      </div>
      {menu !== undefined && (
        <ul
          className="menu"
          data-testid="avatar-menu"
          style={{ left: menu.x, top: menu.y }}
          onMouseLeave={() => setMenu(undefined)}
        >
          {roleActions(menu.target, role, view.selfId).map((action) => (
            <li key={action.label}>
              <button onClick={() => act(menu.target, action)}>{action.label}</button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
