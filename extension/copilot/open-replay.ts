import { browser } from 'wxt/browser';

// Its own module, imported by the side panel alone: the guest page shows the Copilot pane too,
// and it is an ordinary web page where webextension-polyfill (behind `wxt/browser`) throws on
// load (see recordings/RecordingsButton.tsx).

/** Opens one of the extension's pages (a Copilot answer's replay link) in a new tab. */
export function openReplay(path: string): void {
  void browser.tabs.create({ url: new URL(path, location.origin).href });
}
