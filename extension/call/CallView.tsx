import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { textOn } from '../sharing/contrast.js';
import { initials } from '../sharing/presence.js';
import type { CallEngine, CallTile, ChosenDevices } from './engine.js';
import { gridFor, tileSize } from './layout.js';
import './call.css';

/**
 * A session's call: the preview (devices, self view, Join) and then the grid with its
 * controls. The same view in the pop-out window and on the guest page.
 */
export function CallView({ engine, compact = false }: { engine: CallEngine; compact?: boolean }) {
  useSyncExternalStore(engine.subscribe, engine.getVersion);
  const [devicesOpen, setDevicesOpen] = useState(false);
  const { phase } = engine;
  useEffect(() => {
    if (phase === 'idle') void engine.preview();
  }, [engine, phase]);

  if (phase === 'idle' || phase === 'preview' || phase === 'joining') {
    const self = engine.tiles()[0];
    return (
      <section className="call call-preview" data-testid="call-preview" aria-label="Call">
        <div className="call-preview-video">{self !== undefined && <Tile tile={self} />}</div>
        <DevicePickers engine={engine} />
        {engine.message !== undefined && <p className="call-note">{engine.message}</p>}
        <div className="call-actions">
          <button
            className="primary"
            data-testid="call-join"
            disabled={phase !== 'preview'}
            onClick={() => void engine.join()}
          >
            {phase === 'joining' ? 'Joining…' : 'Join call'}
          </button>
        </div>
      </section>
    );
  }

  if (phase !== 'in-call') {
    return (
      <section className="call call-over" data-testid="call-over" aria-label="Call">
        <p role="status">
          {phase === 'left' ? 'You left the call.' : (engine.message ?? 'The call ended.')}
        </p>
        {phase !== 'ended' && (
          <button className="primary" onClick={() => void engine.join()}>
            Join again
          </button>
        )}
      </section>
    );
  }

  const tiles = engine.tiles();
  return (
    <section className={`call ${compact ? 'compact' : ''}`} data-testid="call" aria-label="Call">
      <Grid tiles={tiles} sinkId={engine.chosen.speaker} />
      {engine.message !== undefined && <p className="call-note">{engine.message}</p>}
      <div className="call-controls" role="toolbar" aria-label="Call controls">
        <button
          data-testid="call-mute"
          aria-pressed={engine.muted}
          onClick={() => engine.setMuted(!engine.muted)}
        >
          {engine.muted ? 'Unmute' : 'Mute'}
        </button>
        <button
          data-testid="call-camera"
          aria-pressed={!engine.camera}
          onClick={() => engine.setCamera(!engine.camera)}
        >
          {engine.camera ? 'Stop video' : 'Start video'}
        </button>
        <button
          data-testid="call-share"
          aria-pressed={engine.screen}
          onClick={() => (engine.screen ? engine.stopScreen() : void engine.shareScreen())}
        >
          {engine.screen ? 'Stop sharing' : 'Share screen'}
        </button>
        <button
          data-testid="call-devices-toggle"
          aria-expanded={devicesOpen}
          onClick={() => setDevicesOpen(!devicesOpen)}
        >
          Devices
        </button>
        <button className="danger" data-testid="call-leave" onClick={() => void engine.leave()}>
          Leave
        </button>
      </div>
      {devicesOpen && <DevicePickers engine={engine} />}
    </section>
  );
}

const PICKERS: { kind: keyof ChosenDevices; label: string; list: 'mic' | 'camera' | 'speaker' }[] =
  [
    { kind: 'mic', label: 'Microphone', list: 'mic' },
    { kind: 'camera', label: 'Camera', list: 'camera' },
    { kind: 'speaker', label: 'Speaker', list: 'speaker' },
  ];

function DevicePickers({ engine }: { engine: CallEngine }) {
  return (
    <div className="call-devices" data-testid="call-devices">
      {PICKERS.map(({ kind, label, list }) => {
        const devices = engine.devices[list];
        if (devices.length === 0) return null;
        return (
          <label key={kind}>
            {label}
            <select
              data-testid={`call-${kind}`}
              value={engine.chosen[kind] ?? devices[0]?.deviceId ?? ''}
              onChange={(e) => void engine.choose(kind, e.target.value)}
            >
              {devices.map((d, i) => (
                <option key={d.deviceId || i} value={d.deviceId}>
                  {d.label || `${label} ${i + 1}`}
                </option>
              ))}
            </select>
          </label>
        );
      })}
    </div>
  );
}

/** Tiles in a 1/2/4/6/9 grid that keeps their shape; a shared screen gets the stage. */
function Grid({ tiles, sinkId }: { tiles: CallTile[]; sinkId: string | undefined }) {
  const box = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: 640, height: 360 });
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const observer = new ResizeObserver(() =>
      setSize({ width: el.clientWidth, height: el.clientHeight }),
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const sharing = tiles.find((t) => t.screen);
  if (sharing !== undefined) {
    const rest = tiles.filter((t) => t !== sharing);
    return (
      <div className="call-stage" ref={box} data-testid="call-grid" data-layout="screen">
        <div className="call-stage-main">
          <Tile tile={sharing} sinkId={sinkId} />
        </div>
        <div className="call-strip-tiles">
          {rest.map((t) => (
            <Tile key={t.peerId} tile={t} sinkId={sinkId} />
          ))}
        </div>
      </div>
    );
  }
  const grid = gridFor(tiles.length, size.width >= size.height);
  const tile = tileSize(size.width, size.height, grid.cols, grid.rows);
  const shown = tiles.slice(0, grid.shown);
  return (
    <div
      className="call-grid"
      ref={box}
      data-testid="call-grid"
      data-layout={`${grid.cols}x${grid.rows}`}
      style={{ gridTemplateColumns: `repeat(${grid.cols}, ${tile.width}px)` }}
    >
      {shown.map((t) => (
        <div key={t.peerId} style={{ width: tile.width, height: tile.height }}>
          <Tile tile={t} sinkId={sinkId} />
        </div>
      ))}
      {grid.overflow > 0 && (
        <div className="call-tile more" style={{ width: tile.width, height: tile.height }}>
          +{grid.overflow}
        </div>
      )}
    </div>
  );
}

function Tile({ tile, sinkId }: { tile: CallTile; sinkId?: string | undefined }) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = video.current;
    if (el === null) return;
    if (el.srcObject !== (tile.stream ?? null)) el.srcObject = tile.stream ?? null;
    if (tile.stream !== undefined) void el.play().catch(() => undefined);
  }, [tile.stream]);
  useEffect(() => {
    const el = video.current;
    if (el === null || tile.self || sinkId === undefined || !('setSinkId' in el)) return;
    void el.setSinkId(sinkId).catch(() => undefined);
  }, [sinkId, tile.self]);
  const showVideo = tile.stream !== undefined && (tile.camera || tile.screen);
  return (
    <div
      className={`call-tile ${tile.speaking ? 'speaking' : ''} ${tile.status}`}
      data-testid="call-tile"
      data-peer={tile.peerId}
      data-name={tile.name}
      data-self={tile.self}
      data-status={tile.status}
    >
      <video
        ref={video}
        autoPlay
        playsInline
        muted={tile.self}
        style={{ visibility: showVideo ? 'visible' : 'hidden' }}
      />
      {!showVideo && (
        <div
          className="call-avatar"
          style={{ background: tile.color, color: textOn(tile.color) }}
          aria-hidden="true"
        >
          {initials(tile.name)}
        </div>
      )}
      <div className="call-label">
        {tile.muted && (
          <span className="call-muted" aria-label="muted" title="Muted">
            ✕ mic
          </span>
        )}
        <span>{tile.screen ? `${tile.name} — screen` : tile.name}</span>
        {tile.status === 'reconnecting' && <span className="call-status">reconnecting…</span>}
        {tile.status === 'connecting' && <span className="call-status">connecting…</span>}
      </div>
    </div>
  );
}
