import type { Terminal } from '@xterm/xterm';

/**
 * Output waiting in xterm's write queue past which the terminal counts as flooded. A keystroke's
 * echo, a prompt or a screenful of `ls` is parsed within one slice and never waits behind this.
 */
export const FLOOD_PENDING_CHARS = 16 * 1024;
/** While flooded, frames are drawn at most this often (10 a second). */
export const FLOOD_FRAME_MS = 100;

/** The parts of xterm's internals this relies on (xterm 6; checked before use). */
interface RenderDebouncer {
  _innerRefresh(): void;
  _animationFrame: number | undefined;
  _coreBrowserService: { window: Window };
}
type SelectionChanged = (
  start: [number, number] | undefined,
  end: [number, number] | undefined,
  columnSelectMode: boolean,
) => void;
interface RenderService {
  _renderDebouncer?: RenderDebouncer;
  _selectionState?: { start?: unknown; end?: unknown };
  handleSelectionChanged?: SelectionChanged;
}
interface Core {
  _writeBuffer?: { _pendingData?: unknown };
  _renderService?: RenderService;
  _syncTextArea?: () => void;
}

/** Stands in for an animation frame while a frame is put off (xterm then schedules no other). */
const PUT_OFF = -1;

/**
 * Draws fewer frames while output floods the terminal, so that more of the page goes to parsing.
 *
 * xterm draws whenever the browser offers a frame, ~60 times a second, and moves its hidden
 * input element to the cursor after every write. With the DOM renderer (chosen where WebGL runs
 * on the CPU) a drawn frame costs ~20 ms of the page's main thread plus the compositor's raster
 * on the other core, and each move of the input element costs the page a layout at the next
 * frame. Worse, every line that scrolls asks xterm's selection to redraw, and the DOM renderer
 * answers by building all rows again at the next frame, outside its frame limit, also when there
 * is no selection at all (xterm 6.0). In a flood the page spent more time on frames nobody can
 * read than on parsing.
 *
 * So: a selection redraw with no selection before or after is dropped (the rows that scrolled
 * are drawn by the normal refresh anyway), and while more than FLOOD_PENDING_CHARS wait to be
 * parsed, a frame is drawn at most every FLOOD_FRAME_MS and the input element follows the
 * cursor when one is. As soon as the queue is short again (the flood ended, the prompt after a
 * Ctrl-C arrived, an echo) the next frame draws as before.
 *
 * This reaches into xterm's private render debouncer, write buffer and input sync. Should any
 * not be where expected (another xterm version), nothing is changed.
 */
export function throttleFloodFrames(term: Terminal): void {
  const core = (term as unknown as { _core?: Core })._core;
  const writeBuffer = core?._writeBuffer;
  const renderService = core?._renderService;
  const debouncer = renderService?._renderDebouncer;
  const syncTextArea = core?._syncTextArea;
  const selectionChanged = renderService?.handleSelectionChanged;
  if (
    core === undefined ||
    renderService === undefined ||
    typeof selectionChanged !== 'function' ||
    typeof renderService._selectionState !== 'object' ||
    typeof writeBuffer?._pendingData !== 'number' ||
    debouncer === undefined ||
    typeof debouncer._innerRefresh !== 'function' ||
    typeof syncTextArea !== 'function' ||
    typeof debouncer._coreBrowserService?.window?.requestAnimationFrame !== 'function'
  ) {
    return;
  }
  const flooded = (): boolean => Number(writeBuffer._pendingData) > FLOOD_PENDING_CHARS;
  const draw = debouncer._innerRefresh;
  const window = debouncer._coreBrowserService.window;
  let lastFrame = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let textAreaBehind = false;

  /** The put-off frame, requested now (unless the terminal was disposed meanwhile). */
  const wake = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (debouncer._animationFrame !== PUT_OFF) return;
    debouncer._animationFrame = window.requestAnimationFrame(() => debouncer._innerRefresh());
  };

  debouncer._innerRefresh = function (this: RenderDebouncer): void {
    const now = performance.now();
    if (flooded() && now - lastFrame < FLOOD_FRAME_MS) {
      // Further refreshes meanwhile only widen the rows to draw; dispose drops the put-off one.
      this._animationFrame = PUT_OFF;
      timer = setTimeout(wake, lastFrame + FLOOD_FRAME_MS - now);
      return;
    }
    lastFrame = now;
    draw.call(this);
    if (textAreaBehind) {
      textAreaBehind = false;
      syncTextArea.call(core);
    }
  };
  renderService.handleSelectionChanged = function (this: RenderService, start, end, mode): void {
    const was = this._selectionState;
    const none = start === undefined && end === undefined;
    if (none && was?.start === undefined && was?.end === undefined) return;
    selectionChanged.call(this, start, end, mode);
  };
  core._syncTextArea = function (this: Core): void {
    if (flooded()) textAreaBehind = true;
    else syncTextArea.call(this);
  };
  // The queue ran short before the put-off frame was due: draw at the next frame after all.
  term.onWriteParsed(() => {
    if (timer !== undefined && !flooded()) wake();
  });
}
