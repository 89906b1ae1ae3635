import { useEffect, useState, type RefObject } from 'react';

/** Whether the element is narrower than `width` px, following it as the panel is resized. */
export function useNarrow(element: RefObject<HTMLElement | null>, width: number): boolean {
  const [narrow, setNarrow] = useState(false);
  useEffect(() => {
    const el = element.current;
    if (el === null) return;
    const measure = (): void => {
      // A hidden pane measures 0: keep the last answer until it shows again.
      if (el.clientWidth > 0) setNarrow(el.clientWidth < width);
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [element, width]);
  return narrow;
}
