import { useState, useSyncExternalStore, type ReactNode } from 'react';
import type { RecordingFormat } from '../../protocol/index.js';
import type { RecordingRow } from '../lib/db.js';
import { download, exportFileName, exportRecording } from './export.js';
import { MIB, parseLimit, type Library } from './library.js';
import { formatBytes, formatDuration } from './timeline.js';

export function LibraryApp({
  library,
  openReplay,
  children,
}: {
  library: Library;
  openReplay: (recordingId: string) => void;
  /** More of the library below the recordings (the artifacts). */
  children?: ReactNode;
}) {
  useSyncExternalStore(library.subscribe, library.getVersion);
  return (
    <div className="library">
      <header className="replay-head">
        <h1>Recordings</h1>
        <span className="spacer" />
        <button onClick={() => void library.refresh()}>Refresh</button>
      </header>
      {library.error !== undefined && (
        <p className="banner error" role="alert">
          {library.error}
        </p>
      )}
      <table className="recordings" data-testid="recordings">
        <thead>
          <tr>
            <th>Session</th>
            <th>Device</th>
            <th>Participants</th>
            <th>Started</th>
            <th>Duration</th>
            <th>Size</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {library.rows.map((row) => (
            <Row key={row.recordingId} row={row} library={library} openReplay={openReplay} />
          ))}
        </tbody>
      </table>
      {library.synced && library.rows.length === 0 && (
        <p className="hint">No recordings yet: every session you open is recorded.</p>
      )}
      <RetentionForm library={library} />
      {children}
    </div>
  );
}

function Row({
  row,
  library,
  openReplay,
}: {
  row: RecordingRow;
  library: Library;
  openReplay: (recordingId: string) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [exporting, setExporting] = useState<string>();
  const save = async (format: RecordingFormat): Promise<void> => {
    setExporting('0%');
    try {
      const blob = await exportRecording(library.api, row.recordingId, format, (bytes) =>
        setExporting(`${Math.round((bytes / Math.max(1, row.bytes)) * 100)}%`),
      );
      download(blob, exportFileName(row, format));
    } finally {
      setExporting(undefined);
    }
  };
  return (
    <tr data-recording={row.recordingId}>
      <td>
        {row.name}
        {row.live && <span className="live"> ● live</span>}
      </td>
      <td className="device">{row.device.label}</td>
      <td>
        {row.participants.map((p) => p.name).join(', ')}
        {row.moreParticipants !== undefined && ` and ${row.moreParticipants} more`}
      </td>
      <td>{new Date(row.startedAt).toLocaleString()}</td>
      <td className="duration">{formatDuration(row.durationMs)}</td>
      <td>{formatBytes(row.bytes)}</td>
      <td className="actions">
        <button className="primary" data-action="open" onClick={() => openReplay(row.recordingId)}>
          Open
        </button>
        <button
          data-action="export-cast"
          disabled={exporting !== undefined}
          onClick={() => void save('asciicast-v2')}
        >
          .cast
        </button>
        <button
          data-action="export-native"
          disabled={exporting !== undefined}
          onClick={() => void save('native')}
        >
          native
        </button>
        {exporting !== undefined && <span className="hint">{exporting}</span>}
        {row.live ? (
          <span className="hint" title="A recording is deleted once its session has ended">
            recording
          </span>
        ) : confirming ? (
          <button
            className="danger"
            data-action="confirm-delete"
            onClick={() => void library.remove(row.recordingId)}
          >
            Delete for good
          </button>
        ) : (
          <button data-action="delete" onClick={() => setConfirming(true)}>
            Delete
          </button>
        )}
      </td>
    </tr>
  );
}

function RetentionForm({ library }: { library: Library }) {
  const settings = library.settings;
  const [age, setAge] = useState<string>();
  const [size, setSize] = useState<string>();
  if (settings === undefined) return null;
  const ageText = age ?? (settings.maxAgeDays === null ? '' : String(settings.maxAgeDays));
  const sizeText =
    size ??
    (settings.maxTotalBytes === null ? '' : String(Math.round(settings.maxTotalBytes / MIB)));
  const maxAgeDays = parseLimit(ageText, 1);
  const maxTotalBytes = parseLimit(sizeText, MIB);
  const valid = maxAgeDays !== undefined && maxTotalBytes !== undefined;
  return (
    <form
      className="retention"
      data-testid="retention"
      onSubmit={(e) => {
        e.preventDefault();
        if (maxAgeDays === undefined || maxTotalBytes === undefined) return;
        void library.saveSettings({ maxAgeDays, maxTotalBytes }).then(() => {
          setAge(undefined);
          setSize(undefined);
        });
      }}
    >
      <h2>Keeping recordings</h2>
      <label>
        <input
          type="checkbox"
          checked={settings.enabled}
          onChange={(e) => void library.saveSettings({ enabled: e.target.checked })}
        />{' '}
        Record new sessions
      </label>
      <label>
        Delete recordings older than{' '}
        <input
          name="maxAgeDays"
          inputMode="numeric"
          size={5}
          placeholder="never"
          value={ageText}
          onChange={(e) => setAge(e.target.value)}
        />{' '}
        days
      </label>
      <label>
        Keep at most{' '}
        <input
          name="maxTotalMb"
          inputMode="numeric"
          size={7}
          placeholder="no limit"
          value={sizeText}
          onChange={(e) => setSize(e.target.value)}
        />{' '}
        MiB in total (oldest go first)
      </label>
      <button className="primary" type="submit" disabled={!valid}>
        Save
      </button>
      {!valid && (
        <span className="hint">Enter a positive number, or leave empty for no limit.</span>
      )}
    </form>
  );
}
