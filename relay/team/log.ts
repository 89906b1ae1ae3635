/** One structured line per event: never a token, never terminal content. */
export type Log = (event: string, fields?: Record<string, string | number | boolean>) => void;

export function jsonLog(write: (line: string) => void): Log {
  return (event, fields = {}) => {
    write(JSON.stringify({ time: new Date().toISOString(), event, ...fields }) + '\n');
  };
}

export const silentLog: Log = () => undefined;
