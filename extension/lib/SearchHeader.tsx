import type { ReactNode } from 'react';

/** A library section's header: its title, a search box, and any buttons after it. */
export function SearchHeader({
  title,
  query,
  onQuery,
  testId,
  children,
}: {
  title: string;
  query: string;
  onQuery: (query: string) => void;
  testId?: string;
  children?: ReactNode;
}) {
  return (
    <header className="replay-head">
      <h1>{title}</h1>
      <span className="spacer" />
      <input
        type="search"
        aria-label={`Search ${title.toLowerCase()}`}
        placeholder={`Search ${title.toLowerCase()}`}
        data-testid={testId}
        value={query}
        onChange={(e) => onQuery(e.target.value)}
      />
      {children}
    </header>
  );
}
