import type { SessionView } from '../panel/session-view.js';
import { DEFAULT_FONT_SIZE } from '../panel/terminal.js';
import { parseInviteLink } from './invite-link.js';
import { joinSession } from './join.js';
import type { PeerLink } from './peer-link.js';
import { Store } from '../lib/store.js';

export type GuestStage = 'name' | 'joining' | 'joined' | 'refused' | 'bad-link';

const NAME_KEY = 'tandem.guestName';

/** The guest page's state outside React: the link from the address bar, the join, the view. */
export class GuestModel extends Store {
  stage: GuestStage;
  message: string | undefined;
  view: SessionView | undefined;
  link: PeerLink | undefined;
  name = localStorage.getItem(NAME_KEY) ?? '';

  constructor(private readonly url: string) {
    super();
    this.stage = parseInviteLink(url) === undefined ? 'bad-link' : 'name';
  }

  async join(name: string): Promise<void> {
    this.name = name.trim();
    localStorage.setItem(NAME_KEY, this.name);
    this.stage = 'joining';
    this.message = undefined;
    this.emit();
    try {
      const { view, link } = await joinSession(this.url, this.name, DEFAULT_FONT_SIZE, () =>
        this.emit(),
      );
      this.view = view;
      this.link = link;
      this.stage = 'joined';
    } catch (error) {
      this.stage = 'refused';
      this.message = error instanceof Error ? error.message : String(error);
    }
    this.emit();
  }

  leave(): void {
    this.link?.close();
    this.emit();
  }
}
