import { browser } from 'wxt/browser';

// Its own module, apart from RecordingBar: the guest page renders RecordingBar too, and it is
// an ordinary web page where webextension-polyfill (behind `wxt/browser`) throws on load.
// test/e2e/sharing.test.ts fails on any uncaught error on the guest page.

/** The header button that opens the recordings library in a tab. */
export function RecordingsButton() {
  const open = (): void => {
    void browser.tabs.create({ url: new URL('/recordings.html', location.origin).href });
  };
  return (
    <button className="tab-recordings" title="Recordings" aria-label="Recordings" onClick={open}>
      <span className="rec-dot" />
    </button>
  );
}
