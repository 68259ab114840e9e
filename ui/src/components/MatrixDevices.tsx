import { useEffect, useState } from 'preact/hooks';
import { matrixDeleteDevices, matrixDeleteDevicesSso, matrixDevices, matrixRenameDevice, toIpcError, type DeviceView } from '../ipc';
import { useAction } from '../useAction';
import type { ManageAction } from '../ipc';
import { ManageActionButtons } from './MatrixAccountManagement';
import type { Protect } from './MatrixManage';
import { Progress } from './Progress';
import { ErrorBanner } from './ErrorBanner';

interface Props {
  accountId: string;
  protect: Protect;
  /**
   * The actions the homeserver's authorization server serves, when it delegates account
   * management: a session's own open there (signing out included), instead of in the app.
   */
  delegated?: ManageAction[] | null;
}

function lastSeen(device: DeviceView): string {
  const when = device.last_seen_ts === null ? 'never seen' : `last seen ${new Date(device.last_seen_ts).toLocaleString()}`;
  return device.last_seen_ip ? `${when} from ${device.last_seen_ip}` : when;
}

/** The account's sessions: rename any, sign out others (the server asks for the password). */
export function MatrixDevices({ accountId, protect, delegated = null }: Props) {
  const deviceActions = delegated?.filter((a) => a.per_device) ?? [];
  const [devices, setDevices] = useState<DeviceView[] | null>(null);
  const [selected, setSelected] = useState<string[]>([]);
  const [renaming, setRenaming] = useState<{ id: string; name: string } | null>(null);
  const { busy, error, run, setError } = useAction();

  const load = () =>
    matrixDevices(accountId).then(
      (list) => {
        setDevices(list);
        setSelected((s) => s.filter((id) => list.some((d) => d.device_id === id)));
      },
      (e: unknown) => setError(toIpcError(e)),
    );

  useEffect(() => {
    load();
  }, [accountId]);

  const rename = (event: Event) => {
    event.preventDefault();
    if (!renaming) return;
    // Busy until the list is loaded again.
    run(async () => {
      await matrixRenameDevice(accountId, renaming.id, renaming.name);
      setRenaming(null);
      await load();
    });
  };

  const signOut = () => {
    const ids = selected;
    const count = ids.length === 1 ? '1 session' : `${ids.length} sessions`;
    run(() =>
      protect(
        `Sign out ${count}`,
        (auth) => matrixDeleteDevices(accountId, ids, auth),
        () => {
          setSelected([]);
          load();
        },
        () => matrixDeleteDevicesSso(accountId, ids),
      ),
    );
  };

  return (
    <section class="card" aria-labelledby="matrix-devices-title">
      <h3 id="matrix-devices-title">Sessions</h3>
      <p class="hint">Every device or app signed in to this account. Sign out the ones you do not recognise.</p>
      {devices === null ? (
        // A failed load says so below, instead of a spinner that would never end.
        error === null && <Progress hint>Loading the sessions…</Progress>
      ) : (
        <ul class="devices" data-testid="matrix-devices">
          {devices.map((device) => (
            <li key={device.device_id} data-testid={`device-${device.device_id}`} data-current={device.current ? 'true' : 'false'}>
              {!device.current && !delegated && (
                <input
                  type="checkbox"
                  data-testid={`device-select-${device.device_id}`}
                  aria-label={`Select ${device.display_name ?? device.device_id}`}
                  checked={selected.includes(device.device_id)}
                  onChange={(e) =>
                    setSelected((s) =>
                      e.currentTarget.checked ? [...s, device.device_id] : s.filter((id) => id !== device.device_id),
                    )
                  }
                />
              )}
              {renaming?.id === device.device_id ? (
                <form onSubmit={rename} class="inline">
                  <input
                    data-testid={`matrix-device-name-${device.device_id}`}
                    aria-label={`New name of the session ${device.device_id}`}
                    value={renaming.name}
                    disabled={busy}
                    onInput={(e) => setRenaming({ id: device.device_id, name: e.currentTarget.value })}
                  />
                  <button type="submit" data-testid={`matrix-device-save-${device.device_id}`} disabled={busy}>
                    Save
                  </button>
                  <button type="button" disabled={busy} onClick={() => setRenaming(null)}>
                    Cancel
                  </button>
                </form>
              ) : (
                <strong data-testid={`device-name-${device.device_id}`}>{device.display_name ?? 'Unnamed session'}</strong>
              )}{' '}
              <code>{device.device_id}</code>
              {device.current && <span class="status"> (this session)</span>}
              <span class="hint"> {lastSeen(device)}</span>{' '}
              {renaming?.id !== device.device_id && (
                <button
                  type="button"
                  data-testid={`matrix-device-rename-${device.device_id}`}
                  disabled={busy}
                  onClick={() => setRenaming({ id: device.device_id, name: device.display_name ?? '' })}
                >
                  Rename
                </button>
              )}
              {delegated && <ManageActionButtons accountId={accountId} actions={deviceActions} deviceId={device.device_id} />}
            </li>
          ))}
        </ul>
      )}
      {error && <ErrorBanner error={error} />}
      {!delegated && (
        <button type="button" data-testid="matrix-sign-out-devices" disabled={busy || selected.length === 0} onClick={signOut}>
          Sign out the selected sessions
        </button>
      )}
    </section>
  );
}
