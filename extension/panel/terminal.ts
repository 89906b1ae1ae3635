import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { SerializeAddon } from '@xterm/addon-serialize';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import { Terminal, type ITheme } from '@xterm/xterm';
import { fitScale } from '../sharing/viewer-fit.js';
import { throttleFloodFrames } from './flood-frames.js';

const DARK: ITheme = {
  background: '#0f1115',
  foreground: '#d7dae0',
  cursor: '#7aa2f7',
  cursorAccent: '#0f1115',
  selectionBackground: '#3b4261',
  black: '#15161e',
  red: '#f7768e',
  green: '#9ece6a',
  yellow: '#e0af68',
  blue: '#7aa2f7',
  magenta: '#bb9af7',
  cyan: '#7dcfff',
  white: '#a9b1d6',
  brightBlack: '#414868',
  brightRed: '#ff899d',
  brightGreen: '#b9f27c',
  brightYellow: '#ffc777',
  brightBlue: '#8db0ff',
  brightMagenta: '#c7a9ff',
  brightCyan: '#a4daff',
  brightWhite: '#e6e9f0',
};

const LIGHT: ITheme = {
  background: '#fbfbfd',
  foreground: '#2a2e38',
  cursor: '#2e5bd8',
  cursorAccent: '#fbfbfd',
  selectionBackground: '#c8d3f5',
  black: '#2a2e38',
  red: '#c4334f',
  green: '#3d7a1f',
  yellow: '#8f5e00',
  blue: '#2e5bd8',
  magenta: '#8a3fd1',
  cyan: '#0f7a93',
  white: '#6b7080',
  brightBlack: '#8a8f9c',
  brightRed: '#d9455f',
  brightGreen: '#4c9a28',
  brightYellow: '#a87000',
  brightBlue: '#4670e6',
  brightMagenta: '#9d55e0',
  brightCyan: '#1890ab',
  brightWhite: '#1a1d24',
};

export const MIN_FONT_SIZE = 8;
export const MAX_FONT_SIZE = 28;
export const DEFAULT_FONT_SIZE = 13;
/** The smallest text a watch cell shrinks a terminal to, in CSS pixels. */
export const LEGIBLE_FONT_PX = 9;

const darkQuery = (): MediaQueryList => window.matchMedia('(prefers-color-scheme: dark)');

/** Renderer strings of WebGL drawn by the CPU (no GPU, or one Chromium refuses to use). */
const SOFTWARE_GL = /swiftshader|llvmpipe|softpipe|software|basic render driver/i;
let softwareGl: boolean | undefined;

/**
 * Whether this browser's WebGL is drawn on the CPU. There, xterm's WebGL renderer is the
 * slowest choice: each frame stalls the page ~70 ms, and nothing is parsed meanwhile (a flood
 * ran at a third of the DOM renderer's speed). Asked once per page.
 */
export function webglIsSoftware(): boolean {
  if (softwareGl !== undefined) return softwareGl;
  let renderer = '';
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    const info = gl?.getExtension('WEBGL_debug_renderer_info');
    if (gl !== null && gl !== undefined && info !== null && info !== undefined) {
      renderer = String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL));
    }
    gl?.getExtension('WEBGL_lose_context')?.loseContext();
  } catch {
    // No WebGL at all: the DOM renderer it is either way.
  }
  softwareGl = renderer === '' || SOFTWARE_GL.test(renderer);
  return softwareGl;
}

/** xterm's render dimensions (private; the fit addon reads them too). */
interface RenderDimensions {
  device: { cell: { width: number; height: number } };
}

/** Room xterm keeps for its scroll bar (ViewportConstants.DEFAULT_SCROLL_BAR_WIDTH). */
const SCROLL_BAR_PX = 14;

/**
 * The rows and columns `term`'s parent element holds, as the fit addon computes them but
 * independent of the current size. The addon divides the room by `css.cell`, which is the drawn
 * size of all the cells (rounded to a pixel) over their number, so it varies with the count: a
 * 452 px pane read 55 columns at 100 and 56 at 56, and a shell opened at one panel's fit got a
 * resize in the next. Both renderers draw n cells `round(n × device cell / dpr)` pixels wide
 * (and high); here the answer is the most that fit.
 */
function fitDimensions(term: Terminal): { cols: number; rows: number } | undefined {
  const element = term.element;
  const parent = element?.parentElement;
  const cell = (
    term as unknown as { _core?: { _renderService?: { dimensions?: RenderDimensions } } }
  )._core?._renderService?.dimensions?.device.cell;
  const dpr = element?.ownerDocument.defaultView?.devicePixelRatio ?? 1;
  if (element === undefined || !parent || cell === undefined) return undefined;
  if (!(cell.width > 0 && cell.height > 0 && dpr > 0)) return undefined;
  const px = (style: CSSStyleDeclaration, name: string): number =>
    parseInt(style.getPropertyValue(name)) || 0;
  const outer = getComputedStyle(parent);
  const inner = getComputedStyle(element);
  const scrollBar =
    term.options.scrollback === 0 ? 0 : term.options.overviewRuler?.width || SCROLL_BAR_PX;
  const width =
    Math.max(0, px(outer, 'width')) -
    px(inner, 'padding-left') -
    px(inner, 'padding-right') -
    scrollBar;
  const height = px(outer, 'height') - px(inner, 'padding-top') - px(inner, 'padding-bottom');
  return { cols: cellsIn(width, cell.width, dpr), rows: cellsIn(height, cell.height, dpr) };
}

/** The most cells of `device` pixels that fit in `room` CSS pixels, drawn as xterm does. */
function cellsIn(room: number, device: number, dpr: number): number {
  const drawn = (count: number): number => Math.round((count * device) / dpr);
  let count = Math.max(0, Math.floor((room * dpr) / device));
  while (count > 0 && drawn(count) > room) count -= 1;
  while (drawn(count + 1) <= room) count += 1;
  return count;
}

/**
 * One xterm.js terminal with the official addons: fit, web links, search, unicode 11,
 * serialize, and WebGL rendering on a GPU (the DOM renderer without one, or as a fallback).
 */
export class TerminalController {
  readonly element: HTMLDivElement;
  readonly term: Terminal;
  private readonly fit = new FitAddon();
  readonly search = new SearchAddon();
  readonly serialize = new SerializeAddon();
  private webgl: WebglAddon | undefined;
  private readonly observer: ResizeObserver;
  private readonly screenObserver: ResizeObserver;
  /**
   * The one query object this terminal listens on: matchMedia returns a new one per call, and
   * a listener removed from another stayed registered, keeping the closed terminal (with its
   * scrollback) alive for the page's lifetime.
   */
  private readonly scheme = darkQuery();
  private readonly onScheme = (): void => this.applyTheme();
  renderer: 'webgl' | 'dom' = 'dom';
  /** A size this terminal keeps (a viewer shows the device's size), scaled to fit its host. */
  private fixed: { cols: number; rows: number } | undefined;
  /** The CSS scale applied while a fixed size is kept (1 otherwise). */
  scale = 1;
  /**
   * Watch cells: shrink no further than a legible text size, crop what does not fit and keep
   * the cursor's row in view (the latest output is what a watcher reads).
   */
  private follow = false;
  private followFrame = 0;

  constructor(fontSize: number) {
    this.element = document.createElement('div');
    this.element.className = 'terminal-host';
    this.term = new Terminal({
      allowProposedApi: true,
      fontFamily: '"JetBrains Mono", "DejaVu Sans Mono", "Cascadia Mono", Menlo, monospace',
      fontSize,
      scrollback: 10_000,
      cursorBlink: true,
      macOptionIsMeta: true,
      theme: this.scheme.matches ? DARK : LIGHT,
    });
    this.term.loadAddon(this.fit);
    this.term.loadAddon(this.search);
    this.term.loadAddon(this.serialize);
    this.term.loadAddon(new WebLinksAddon());
    this.term.loadAddon(new Unicode11Addon());
    this.term.unicode.activeVersion = '11';
    this.observer = new ResizeObserver(() => this.fitToHost());
    this.screenObserver = new ResizeObserver(() => {
      if (this.fixed !== undefined) this.fitFixed(this.fixed);
    });
    this.scheme.addEventListener('change', this.onScheme);
    this.term.onCursorMove(() => this.scheduleFollow());
    this.term.onScroll(() => this.scheduleFollow());
  }

  /** Opens the terminal in its element; call once the element is in the document. */
  open(): void {
    if (this.term.element !== undefined) return;
    this.term.open(this.element);
    throttleFloodFrames(this.term);
    if (webglIsSoftware()) {
      this.renderer = 'dom';
    } else {
      this.loadWebgl();
    }
    this.observer.observe(this.element);
    // A fixed-size view is scaled and shifted by its screen's size, which xterm lays out a frame
    // or more after a resize (more on a busy machine): placed again whenever that changes, or a
    // watch cell of an idle shell could stay cropped short of its cursor.
    const screen = this.element.querySelector('.xterm-screen');
    if (screen instanceof HTMLElement) this.screenObserver.observe(screen);
    this.fitToHost();
  }

  private loadWebgl(): void {
    try {
      const webgl = new WebglAddon();
      webgl.onContextLoss(() => {
        webgl.dispose();
        this.webgl = undefined;
        this.renderer = 'dom';
      });
      this.term.loadAddon(webgl);
      this.webgl = webgl;
      this.renderer = 'webgl';
    } catch {
      this.renderer = 'dom';
    }
  }

  /**
   * The rows and columns the element holds, whatever size the terminal keeps; undefined while
   * the element is not laid out (a hidden tab).
   */
  hostSize(): { cols: number; rows: number } | undefined {
    if (this.element.clientWidth === 0 || this.element.clientHeight === 0) return undefined;
    const size = fitDimensions(this.term) ?? this.fit.proposeDimensions();
    if (size === undefined || !Number.isFinite(size.cols) || !Number.isFinite(size.rows))
      return undefined;
    return { cols: Math.max(20, size.cols), rows: Math.max(5, size.rows) };
  }

  /** Fits rows and columns to the element; returns the new size when it changed. */
  fitToHost(): { cols: number; rows: number } | undefined {
    if (this.element.clientWidth === 0 || this.element.clientHeight === 0) return undefined;
    if (this.fixed !== undefined) return this.fitFixed(this.fixed);
    const size = this.hostSize();
    if (size === undefined) return undefined;
    const { cols, rows } = size;
    if (cols === this.term.cols && rows === this.term.rows) return undefined;
    this.term.resize(cols, rows);
    return { cols, rows };
  }

  /**
   * Keeps the terminal at `size` (never reflowed to the host) or, with undefined, fits again.
   * With `follow`, the text never shrinks below a legible size; the host crops the rest and the
   * view keeps the cursor's row in sight.
   */
  setFixedSize(size: { cols: number; rows: number } | undefined, follow = false): void {
    this.fixed = size;
    this.follow = follow && size !== undefined;
    if (!this.follow) this.element.classList.remove('follow');
    if (size === undefined) {
      this.scale = 1;
      if (this.term.element !== undefined) this.term.element.style.transform = '';
    }
    this.fitToHost();
  }

  private fitFixed(size: {
    cols: number;
    rows: number;
  }): { cols: number; rows: number } | undefined {
    const changed = size.cols !== this.term.cols || size.rows !== this.term.rows;
    if (changed) this.term.resize(size.cols, size.rows);
    const scaleNow = (): void => {
      const outer = this.term.element;
      const screen = outer?.querySelector('.xterm-screen');
      if (outer === undefined || !(screen instanceof HTMLElement)) return;
      const fontSize = this.term.options.fontSize ?? DEFAULT_FONT_SIZE;
      this.scale = fitScale(
        { width: screen.offsetWidth, height: screen.offsetHeight },
        { width: this.element.clientWidth, height: this.element.clientHeight },
        this.follow ? Math.min(1, LEGIBLE_FONT_PX / fontSize) : undefined,
      );
      outer.style.transformOrigin = '0 0';
      this.element.classList.toggle('follow', this.follow);
      this.placeFixed();
    };
    scaleNow();
    // xterm lays out the new size on its next frame.
    requestAnimationFrame(scaleNow);
    return changed ? size : undefined;
  }

  /** Scales a fixed-size terminal and, when following, shifts it so the cursor row shows. */
  private placeFixed(): void {
    const outer = this.term.element;
    const screen = outer?.querySelector('.xterm-screen');
    if (outer === undefined || !(screen instanceof HTMLElement)) return;
    const scale = this.scale < 1 ? `scale(${this.scale})` : '';
    let shift = 0;
    if (this.follow) {
      // A followed view shows the latest output: never left scrolled back into the scrollback
      // (where the cursor's row is not drawn at all).
      const buffer = this.term.buffer.active;
      if (buffer.viewportY !== buffer.baseY) this.term.scrollToBottom();
      const rowHeight = (screen.offsetHeight / this.term.rows) * this.scale;
      const shown = Math.max(1, Math.floor(this.element.clientHeight / rowHeight));
      const cursor = this.term.buffer.active.cursorY;
      shift = Math.max(0, Math.min(this.term.rows - shown, cursor + 1 - shown)) * rowHeight;
    }
    outer.style.transform = shift > 0 ? `translateY(${-shift}px) ${scale}` : scale;
  }

  private scheduleFollow(): void {
    if (!this.follow || this.followFrame !== 0) return;
    this.followFrame = requestAnimationFrame(() => {
      this.followFrame = 0;
      if (this.follow) this.placeFixed();
    });
  }

  setFontSize(size: number): void {
    this.term.options.fontSize = Math.min(MAX_FONT_SIZE, Math.max(MIN_FONT_SIZE, size));
    this.fitToHost();
  }

  applyTheme(): void {
    this.term.options.theme = this.scheme.matches ? DARK : LIGHT;
  }

  dispose(): void {
    // xterm 6.0's WebGL renderer never disposes its cursor-blink timer (xterm.js #5818, fixed
    // after 6.0.0): the interval kept every closed terminal, scrollback and all. Turning the
    // blink off first disposes it.
    this.term.options.cursorBlink = false;
    cancelAnimationFrame(this.followFrame);
    this.scheme.removeEventListener('change', this.onScheme);
    this.observer.disconnect();
    this.screenObserver.disconnect();
    this.webgl?.dispose();
    this.term.dispose();
  }
}
