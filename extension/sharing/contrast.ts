/** WCAG 2 relative luminance of a #rrggbb colour; undefined for anything else. */
function luminance(hex: string): number | undefined {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (m === null) return undefined;
  const [r = 0, g = 0, b = 0] = m.slice(1).map((part) => {
    const c = Number.parseInt(part, 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio of two #rrggbb colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a) ?? 0, luminance(b) ?? 0].sort((x, y) => y - x);
  return ((hi ?? 0) + 0.05) / ((lo ?? 0) + 0.05);
}

const DARK_TEXT = '#14161c';
const LIGHT_TEXT = '#ffffff';

/**
 * The text colour that reads best on `background` (an avatar's colour, chosen by the agent):
 * near-black on the light pastels, white on dark ones.
 */
export function textOn(background: string): string {
  return contrastRatio(DARK_TEXT, background) >= contrastRatio(LIGHT_TEXT, background)
    ? DARK_TEXT
    : LIGHT_TEXT;
}
