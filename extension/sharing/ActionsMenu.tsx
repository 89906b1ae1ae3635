import { useEffect, useRef, useState } from 'react';

/** One of the session bar's actions, shown as a button when there is room, else in the menu. */
export interface BarAction {
  label: string;
  run: () => void;
  testId?: string;
  /** For actions that open a drawer: whether it is open. */
  expanded?: boolean;
}

/**
 * The session bar's actions folded into one "⋯" menu for narrow panels. Keyboard: Enter, Space
 * or ArrowDown opens it on the first item, arrows move, Escape closes and returns focus.
 */
export function ActionsMenu({ actions }: { actions: BarAction[] }) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLUListElement>(null);
  useEffect(() => {
    if (open) list.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
  }, [open]);
  useEffect(() => {
    if (!open) return;
    const away = (e: PointerEvent): void => {
      const target = e.target instanceof Node ? e.target : null;
      if (!list.current?.contains(target) && !button.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('pointerdown', away);
    return () => document.removeEventListener('pointerdown', away);
  }, [open]);
  const close = (): void => {
    setOpen(false);
    button.current?.focus();
  };
  const move = (delta: number): void => {
    const items = [...(list.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const at = items.findIndex((item) => item === document.activeElement);
    items[(at + delta + items.length) % items.length]?.focus();
  };
  return (
    <div className="actions-menu">
      <button
        ref={button}
        className="small icon"
        aria-label="Session actions"
        title="Session actions"
        aria-haspopup="menu"
        aria-expanded={open}
        data-testid="session-actions"
        onClick={() => setOpen(!open)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setOpen(true);
          }
        }}
      >
        ⋯
      </button>
      {open && (
        <ul
          className="menu actions-menu-list"
          role="menu"
          aria-label="Session actions"
          ref={list}
          onKeyDown={(e) => {
            if (e.key === 'Escape') close();
            else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
              e.preventDefault();
              move(e.key === 'ArrowDown' ? 1 : -1);
            } else if (e.key === 'Tab') setOpen(false);
          }}
        >
          {actions.map((a) => (
            <li key={a.label} role="none">
              <button
                role="menuitem"
                data-testid={a.testId}
                onClick={() => {
                  setOpen(false);
                  a.run();
                }}
              >
                {a.label}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
