import { useEffect, useState } from 'react';
import type { SessionView } from '../panel/session-view.js';

/** Questions and answers beside the terminal; viewers may chat too. */
export function ChatPanel({ view }: { view: SessionView }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string>();
  const { presence } = view;
  useEffect(() => {
    presence.unread = 0;
  });
  const send = async (): Promise<void> => {
    const body = text.trim();
    if (body === '') return;
    try {
      await view.transport.request('chat.send', { sessionId: view.id, text: body });
      setText('');
      setError(undefined);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <section className="drawer chat" data-testid="chat" aria-label="Chat">
      <ol className="chat-lines">
        {presence.chat.map((line, i) => (
          <li key={i}>
            <strong style={{ color: line.from.color }}>{line.from.name}</strong> {line.text}
          </li>
        ))}
      </ol>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <input
          value={text}
          maxLength={2000}
          placeholder="Ask a question…"
          data-testid="chat-input"
          onChange={(e) => setText(e.target.value)}
        />
        <button className="small primary" type="submit">
          Send
        </button>
      </form>
      {error !== undefined && <p className="error">{error}</p>}
    </section>
  );
}
