import { useEffect, useRef, useState, type FormEvent } from 'react';
import type {
  DeviceSpec,
  FlowControl,
  SerialPortInfo,
  SshAuth,
  SshHostAlias,
} from '../../protocol/index.js';
import type { SerialSettings, SshProfile } from '../lib/db.js';
import { LinkError } from '../lib/view-protocol.js';
import { JoinForm } from '../sharing/JoinForm.js';
import type { PanelModel } from './model.js';

type Kind = 'pty' | 'ssh' | 'serial' | 'join';

export const BAUD_RATES = [9600, 19200, 38400, 57600, 115200] as const;
// A port plugged in while the form is open shows within this plus one list (under 2 s).
const SERIAL_POLL_MS = 1000;

/** What the SSH flow needs the user to decide next. */
export type SshPrompt =
  | { kind: 'host_key_unknown'; fingerprint: string; host: string; port: number; keyType: string }
  | { kind: 'host_key_mismatch'; message: string; host: string }
  | { kind: 'prompts'; prompts: string[] };

interface Props {
  model: PanelModel;
  onOpened: () => void;
  onCancel?: () => void;
}

export function NewTerminal({ model, onOpened, onCancel }: Props) {
  const [kind, setKind] = useState<Kind>('pty');
  return (
    <div className="new-terminal" data-testid="new-terminal">
      <div className="segmented" role="tablist">
        {(
          [
            ['pty', 'Local shell'],
            ['ssh', 'SSH'],
            ['serial', 'Serial'],
            ['join', 'Join'],
          ] as const
        ).map(([k, label]) => (
          <button
            key={k}
            role="tab"
            aria-selected={kind === k}
            className={kind === k ? 'active' : ''}
            onClick={() => setKind(k)}
          >
            {label}
          </button>
        ))}
      </div>
      {kind === 'pty' && <LocalForm model={model} onOpened={onOpened} />}
      {kind === 'ssh' && <SshForm model={model} onOpened={onOpened} />}
      {kind === 'serial' && <SerialForm model={model} onOpened={onOpened} />}
      {kind === 'join' && <JoinForm model={model} onOpened={onOpened} />}
      {onCancel !== undefined && (
        <button className="link" onClick={onCancel}>
          Back to terminals
        </button>
      )}
    </div>
  );
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A form's one action: busy while it runs, and what went wrong if it failed. */
function useAction(): {
  busy: boolean;
  error: string | undefined;
  setError: (error: string | undefined) => void;
  run: (action: () => Promise<void>) => Promise<void>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = async (action: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}

function LocalForm({ model, onOpened }: { model: PanelModel; onOpened: () => void }) {
  const { busy, error, run } = useAction();
  const open = (): Promise<void> =>
    run(async () => {
      await model.open({ kind: 'pty' }, 'Local shell');
      onOpened();
    });
  return (
    <div className="form">
      <p className="hint">Your login shell on this computer, shared through the Tandem agent.</p>
      <button className="primary" disabled={busy} onClick={() => void open()}>
        {busy ? 'Starting…' : 'Open local shell'}
      </button>
      {error !== undefined && <p className="error">{error}</p>}
    </div>
  );
}

function SshForm({ model, onOpened }: { model: PanelModel; onOpened: () => void }) {
  const [host, setHost] = useState('');
  const [port, setPort] = useState('22');
  const [username, setUsername] = useState('');
  const [auth, setAuth] = useState<SshProfile['auth']>('password');
  const [keyPath, setKeyPath] = useState('~/.ssh/id_ed25519');
  const [secret, setSecret] = useState('');
  const [save, setSave] = useState(true);
  const [profiles, setProfiles] = useState<SshProfile[]>([]);
  const [aliases, setAliases] = useState<SshHostAlias[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [prompt, setPrompt] = useState<SshPrompt>();
  const [responses, setResponses] = useState<string[]>([]);

  useEffect(() => {
    void model.db.sshProfiles.orderBy('lastUsedAt').reverse().toArray().then(setProfiles);
    model.client.request('ssh.hosts', {}).then(
      (r) => setAliases(r.hosts),
      () => setAliases([]),
    );
  }, [model]);

  const pick = (p: SshProfile): void => {
    setHost(p.host);
    setPort(String(p.port));
    setUsername(p.username);
    setAuth(p.auth);
    if (p.keyPath !== undefined) setKeyPath(p.keyPath);
    setSecret('');
  };
  const pickAlias = (a: SshHostAlias): void => {
    setHost(a.alias);
    if (a.port !== undefined) setPort(String(a.port));
    if (a.user !== undefined) setUsername(a.user);
    setAuth('agent');
  };

  const authSpec = (): SshAuth => {
    if (prompt?.kind === 'prompts') return { method: 'keyboard-interactive', responses };
    if (auth === 'password') return { method: 'password', password: secret };
    if (auth === 'key')
      return secret === ''
        ? { method: 'key', path: keyPath }
        : { method: 'key', path: keyPath, passphrase: secret };
    return { method: 'agent' };
  };

  const connect = async (acceptHostKey?: string): Promise<void> => {
    setBusy(true);
    setError(undefined);
    const portNumber = Number.parseInt(port, 10) || 22;
    const device: DeviceSpec = {
      kind: 'ssh',
      host: host.trim(),
      port: portNumber,
      auth: authSpec(),
      ...(username.trim() === '' ? {} : { username: username.trim() }),
      ...(acceptHostKey === undefined ? {} : { acceptHostKey }),
    };
    const label = `${username.trim() === '' ? '' : `${username.trim()}@`}${host.trim()}`;
    try {
      await model.open(device, label);
      setSecret('');
      setPrompt(undefined);
      if (save) {
        const existing = await model.db.sshProfiles.where('name').equals(label).first();
        await model.db.sshProfiles.put({
          ...(existing?.id === undefined ? {} : { id: existing.id }),
          name: label,
          host: host.trim(),
          port: portNumber,
          username: username.trim(),
          auth,
          ...(auth === 'key' ? { keyPath } : {}),
          lastUsedAt: Date.now(),
        });
      }
      onOpened();
    } catch (e) {
      if (e instanceof LinkError && e.code === 'host_key_unknown') {
        const d = e.details ?? {};
        setPrompt({
          kind: 'host_key_unknown',
          fingerprint: String(d.fingerprint ?? ''),
          host: String(d.host ?? host),
          port: Number(d.port ?? portNumber),
          keyType: String(d.keyType ?? 'key'),
        });
      } else if (e instanceof LinkError && e.code === 'host_key_mismatch') {
        setPrompt({ kind: 'host_key_mismatch', message: e.message, host: host.trim() });
      } else if (
        e instanceof LinkError &&
        e.code === 'unauthorized' &&
        Array.isArray(e.details?.prompts)
      ) {
        const prompts = e.details.prompts;
        setPrompt({ kind: 'prompts', prompts });
        setResponses(prompts.map(() => ''));
      } else if (e instanceof LinkError && e.code === 'unauthorized') {
        setSecret('');
        setError(
          `${e.message} — check the user name and ${auth === 'password' ? 'password' : 'key'}, then connect again.`,
        );
      } else {
        setError(errorText(e));
      }
    } finally {
      setBusy(false);
    }
  };

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void connect();
  };

  if (prompt?.kind === 'host_key_unknown') {
    return (
      <div
        className="dialog"
        role="dialog"
        aria-label="Unknown host key"
        data-testid="host-key-dialog"
      >
        <h3>First connection to {prompt.host}</h3>
        <p>
          Tandem has not seen this server before. Check that its {prompt.keyType} key fingerprint
          matches what the server’s administrator gave you:
        </p>
        <code className="fingerprint">{prompt.fingerprint}</code>
        <div className="actions">
          <button
            className="primary"
            disabled={busy}
            onClick={() => void connect(prompt.fingerprint)}
          >
            Trust and connect
          </button>
          <button onClick={() => setPrompt(undefined)}>Cancel</button>
        </div>
      </div>
    );
  }
  if (prompt?.kind === 'host_key_mismatch') {
    return (
      <div
        className="dialog danger"
        role="alertdialog"
        aria-label="Host key changed"
        data-testid="host-key-mismatch"
      >
        <h3>⚠ The host key of {prompt.host} has changed</h3>
        <p>{prompt.message}</p>
        <p>
          Someone may be intercepting the connection, or the server was reinstalled. Do not connect
          until its administrator confirms the new key; then remove the old line from
          ~/.ssh/known_hosts (or Tandem’s known_hosts) and connect again.
        </p>
        <div className="actions">
          <button onClick={() => setPrompt(undefined)}>Back</button>
        </div>
      </div>
    );
  }
  if (prompt?.kind === 'prompts') {
    return (
      <form className="form dialog" onSubmit={submit}>
        <h3>{host} asks:</h3>
        {prompt.prompts.map((p, i) => (
          <label key={i}>
            {p}
            <input
              type="password"
              autoFocus={i === 0}
              value={responses[i] ?? ''}
              onChange={(e) =>
                setResponses(responses.map((r, j) => (j === i ? e.target.value : r)))
              }
            />
          </label>
        ))}
        <div className="actions">
          <button className="primary" type="submit" disabled={busy}>
            Continue
          </button>
          <button type="button" onClick={() => setPrompt(undefined)}>
            Cancel
          </button>
        </div>
      </form>
    );
  }
  return (
    <form className="form" onSubmit={submit} data-testid="ssh-form">
      {(profiles.length > 0 || aliases.length > 0) && (
        <div className="chips" aria-label="Saved and configured hosts">
          {profiles.map((p) => (
            <button type="button" key={`p${p.id}`} className="chip" onClick={() => pick(p)}>
              {p.name}
            </button>
          ))}
          {aliases.map((a) => (
            <button
              type="button"
              key={`a${a.alias}`}
              className="chip alias"
              title="from ~/.ssh/config"
              onClick={() => pickAlias(a)}
            >
              {a.alias}
            </button>
          ))}
        </div>
      )}
      <div className="row">
        <label className="grow">
          Host
          <input
            name="host"
            required
            value={host}
            onChange={(e) => setHost(e.target.value)}
            placeholder="server.example.com"
          />
        </label>
        <label className="narrow">
          Port
          <input
            name="port"
            inputMode="numeric"
            value={port}
            onChange={(e) => setPort(e.target.value)}
          />
        </label>
      </div>
      <label>
        User
        <input
          name="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          placeholder="admin"
        />
      </label>
      <label>
        Authentication
        <select
          name="auth"
          value={auth}
          onChange={(e) =>
            setAuth(
              e.target.value === 'key' ? 'key' : e.target.value === 'agent' ? 'agent' : 'password',
            )
          }
        >
          <option value="password">Password</option>
          <option value="key">Key file</option>
          <option value="agent">ssh-agent</option>
        </select>
      </label>
      {auth === 'key' && (
        <label>
          Key file
          <input name="keyPath" value={keyPath} onChange={(e) => setKeyPath(e.target.value)} />
        </label>
      )}
      {auth !== 'agent' && (
        <label>
          {auth === 'password' ? 'Password' : 'Passphrase (if the key has one)'}
          <input
            name="secret"
            type="password"
            autoComplete="off"
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
          />
          <span className="hint">Asked each time, never stored.</span>
        </label>
      )}
      <label className="check">
        <input type="checkbox" checked={save} onChange={(e) => setSave(e.target.checked)} /> Save
        this connection (without secrets)
      </label>
      <button className="primary" type="submit" disabled={busy || host.trim() === ''}>
        {busy ? 'Connecting…' : 'Connect'}
      </button>
      {error !== undefined && <p className="error">{error}</p>}
    </form>
  );
}

/** "FTDI FT232R USB UART · SN A1B2C3 · 0403:6001": what the adapter is, in the user's words. */
export function describePort(p: SerialPortInfo): string {
  const name = [p.manufacturer, p.product].filter((part) => part !== undefined).join(' ');
  const parts = [name === '' ? (p.vendorId === undefined ? '' : 'USB device') : name];
  if (p.serialNumber !== undefined) parts.push(`SN ${p.serialNumber}`);
  if (p.vendorId !== undefined) parts.push(`${p.vendorId}:${p.productId ?? '????'}`);
  return parts.filter((part) => part !== '').join(' · ');
}

/** The settings field techs reach for most, one click each. */
export const SERIAL_PRESETS: {
  label: string;
  baudRate: number;
  flowControl: FlowControl;
}[] = [
  { label: '9600 8N1', baudRate: 9600, flowControl: 'none' },
  { label: '115200 8N1', baudRate: 115200, flowControl: 'none' },
  { label: '9600 8N1 RTS/CTS', baudRate: 9600, flowControl: 'rtscts' },
  { label: '115200 8N1 RTS/CTS', baudRate: 115200, flowControl: 'rtscts' },
];

function framing(s: SerialSettings): string {
  return `${s.dataBits}${s.parity[0]?.toUpperCase() ?? 'N'}${s.stopBits}`;
}

const RECENT_PORTS = 8;

function SerialForm({ model, onOpened }: { model: PanelModel; onOpened: () => void }) {
  const [ports, setPorts] = useState<SerialPortInfo[]>();
  const [recent, setRecent] = useState<SerialSettings[]>([]);
  const [path, setPath] = useState('');
  const [settings, setSettings] = useState<SerialSettings>({
    path: '',
    baudRate: 115200,
    dataBits: 8,
    parity: 'none',
    stopBits: 1,
    lineEnding: 'cr',
    flowControl: 'none',
  });
  const { busy, error, run } = useAction();
  /**
   * Why the port list could not be read, shown as its own note: it never stands in for the
   * "Opening failed" error (that stays until the user acts), and typing a path still works.
   */
  const [listError, setListError] = useState<string>();
  /** The paths used before, asked for in every list: ptys and own symlinks show when present. */
  const knownPaths = useRef<string[]>([]);
  /** The path typed last: a lookup answering for an older one is dropped. */
  const typed = useRef('');

  useEffect(() => {
    void model.db.serialSettings
      .orderBy('lastUsedAt')
      .reverse()
      .limit(RECENT_PORTS)
      .toArray()
      .then((rows) => {
        knownPaths.current = rows.map((r) => r.path);
        setRecent(rows);
      });
  }, [model]);

  useEffect(() => {
    let stopped = false;
    const poll = (): void => {
      model.client.request('serial.list', { paths: knownPaths.current }).then(
        (r) => {
          if (stopped) return;
          setPorts(r.ports);
          setListError(undefined);
        },
        (e: unknown) => {
          if (stopped) return;
          setListError(errorText(e));
          // Whatever was listed last stays; "Looking…" must not outlive the first answer.
          setPorts((listed) => listed ?? []);
        },
      );
    };
    poll();
    // Plug and unplug show up within a poll: the agent lists ports fresh each time.
    const timer = setInterval(poll, SERIAL_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [model]);

  /** What was used last for this adapter (by serial number) or, failing that, this path. */
  const savedFor = async (
    p: string,
    serialNumber: string | undefined,
  ): Promise<SerialSettings | undefined> => {
    if (serialNumber !== undefined) {
      const rows = await model.db.serialSettings
        .where('serialNumber')
        .equals(serialNumber)
        .sortBy('lastUsedAt');
      const last = rows.at(-1);
      if (last !== undefined) return last;
    }
    return model.db.serialSettings.get(p);
  };

  const choose = async (p: string, serialNumber?: string): Promise<void> => {
    setPath(p);
    typed.current = p;
    const saved = await savedFor(p, serialNumber);
    if (typed.current === p) setSettings(saved === undefined ? { ...settings, path: p } : saved);
  };

  const type = (p: string): void => {
    setPath(p);
    typed.current = p;
    void model.db.serialSettings.get(p).then((saved) => {
      if (saved !== undefined && typed.current === p) setSettings(saved);
    });
  };

  const open = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const port = ports?.find((p) => p.path === path);
    const flowControl = settings.flowControl ?? 'none';
    // Known by this adapter's serial number, never by one the settings were copied from.
    const remembered: SerialSettings = { ...settings, path, flowControl, lastUsedAt: Date.now() };
    if (port?.serialNumber === undefined) delete remembered.serialNumber;
    else remembered.serialNumber = port.serialNumber;
    await run(async () => {
      await model.open(
        {
          kind: 'serial',
          path,
          baudRate: remembered.baudRate,
          dataBits: remembered.dataBits,
          parity: remembered.parity,
          stopBits: remembered.stopBits,
          flowControl,
          lineEnding: remembered.lineEnding,
        },
        `${path} ${remembered.baudRate}`,
      );
      await model.db.serialSettings.put(remembered);
      onOpened();
    });
  };

  // Ports used before come first, most recent first; an adapter is known by its serial number.
  const recency = (p: SerialPortInfo): number => {
    const i = recent.findIndex(
      (r) =>
        r.path === p.path || (p.serialNumber !== undefined && r.serialNumber === p.serialNumber),
    );
    return i === -1 ? RECENT_PORTS : i;
  };
  const listed = [...(ports ?? [])].sort((a, b) => recency(a) - recency(b));
  const usedFor = (p: SerialPortInfo): SerialSettings | undefined => recent[recency(p)];
  const absent = recent.filter((r) => ports !== undefined && !ports.some((p) => p.path === r.path));

  return (
    <form className="form" onSubmit={(e) => void open(e)} data-testid="serial-form">
      {ports === undefined && <p className="hint">Looking for serial ports…</p>}
      {listError !== undefined && (
        <p className="hint" role="status" data-testid="serial-list-error">
          {listError}
        </p>
      )}
      {listError === undefined && ports !== undefined && ports.length === 0 && (
        <p className="hint">
          No serial ports found. Plug in the USB-serial adapter; the list refreshes by itself.
        </p>
      )}
      <ul className="ports" aria-label="Serial ports">
        {listed.map((p) => {
          const used = usedFor(p);
          return (
            <li key={p.path}>
              <button
                type="button"
                className={p.path === path ? 'port active' : 'port'}
                aria-pressed={p.path === path}
                data-port={p.path}
                onClick={() => void choose(p.path, p.serialNumber)}
              >
                <span className="mono port-path">{p.path}</span>
                <span className="hint">
                  {describePort(p)}
                  {used !== undefined && (
                    <span className="badge recent">
                      last {used.baudRate} {framing(used)}
                    </span>
                  )}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      {absent.length > 0 && (
        <div className="chips" aria-label="Used before, not connected now">
          {absent.map((r) => (
            <button
              type="button"
              key={r.path}
              className="chip absent"
              title={`${r.path} — not connected now; ${r.baudRate} ${framing(r)}`}
              onClick={() => void choose(r.path, r.serialNumber)}
            >
              {r.path}
            </button>
          ))}
        </div>
      )}
      <label>
        Device path
        <input
          name="path"
          required
          value={path}
          onChange={(e) => type(e.target.value)}
          placeholder="/dev/ttyUSB0"
        />
      </label>
      <div className="chips" aria-label="Presets">
        {SERIAL_PRESETS.map((preset) => (
          <button
            type="button"
            key={preset.label}
            className={
              settings.baudRate === preset.baudRate &&
              framing(settings) === '8N1' &&
              (settings.flowControl ?? 'none') === preset.flowControl
                ? 'chip active'
                : 'chip'
            }
            onClick={() =>
              setSettings({
                ...settings,
                baudRate: preset.baudRate,
                dataBits: 8,
                parity: 'none',
                stopBits: 1,
                flowControl: preset.flowControl,
              })
            }
          >
            {preset.label}
          </button>
        ))}
      </div>
      <div className="chips" aria-label="Baud rate">
        {BAUD_RATES.map((b) => (
          <button
            type="button"
            key={b}
            className={settings.baudRate === b ? 'chip active' : 'chip'}
            onClick={() => setSettings({ ...settings, baudRate: b })}
          >
            {b}
          </button>
        ))}
      </div>
      <div className="row wrap">
        <label>
          Baud
          <input
            name="baud"
            inputMode="numeric"
            value={settings.baudRate}
            onChange={(e) =>
              setSettings({ ...settings, baudRate: Number.parseInt(e.target.value, 10) || 0 })
            }
          />
        </label>
        <label>
          Framing
          <select
            name="framing"
            value={framing(settings)}
            onChange={(e) => {
              const v = e.target.value;
              const dataBits = v[0] === '7' ? 7 : 8;
              const parity = v[1] === 'E' ? 'even' : v[1] === 'O' ? 'odd' : 'none';
              const stopBits = v[2] === '2' ? 2 : 1;
              setSettings({ ...settings, dataBits, parity, stopBits });
            }}
          >
            {['8N1', '8E1', '8O1', '8N2', '7E1', '7O1'].map((f) => (
              <option key={f}>{f}</option>
            ))}
          </select>
        </label>
        <label>
          Enter sends
          <select
            name="lineEnding"
            value={settings.lineEnding}
            onChange={(e) =>
              setSettings({
                ...settings,
                lineEnding:
                  e.target.value === 'lf' ? 'lf' : e.target.value === 'crlf' ? 'crlf' : 'cr',
              })
            }
          >
            <option value="cr">CR</option>
            <option value="lf">LF</option>
            <option value="crlf">CRLF</option>
          </select>
        </label>
        <label>
          Flow control
          <select
            name="flowControl"
            value={settings.flowControl ?? 'none'}
            onChange={(e) =>
              setSettings({
                ...settings,
                flowControl:
                  e.target.value === 'rtscts'
                    ? 'rtscts'
                    : e.target.value === 'xonxoff'
                      ? 'xonxoff'
                      : 'none',
              })
            }
          >
            <option value="none">None</option>
            <option value="rtscts">RTS/CTS</option>
            <option value="xonxoff">XON/XOFF</option>
          </select>
        </label>
      </div>
      <button className="primary" type="submit" disabled={busy || path === ''}>
        {busy ? 'Opening…' : 'Open serial console'}
      </button>
      {error !== undefined && (
        <p className="error" role="alert" data-testid="serial-open-error">
          {error}
        </p>
      )}
    </form>
  );
}
