import { useState } from 'preact/hooks';
import { emsCreateSubscription, toIpcError, type IpcError, type NewSubscription, type SubscriptionKind } from '../ipc';
import { ErrorBanner } from './ErrorBanner';
import { bannerError, FieldError } from './FieldError';

interface Props {
  accountId: string;
  onCreated: () => void;
}

/** Creates a subscription of any kind; the server's field errors sit by their fields. */
export function EmsNewSubscription({ accountId, onCreated }: Props) {
  const [kind, setKind] = useState<SubscriptionKind>('hosted_homeserver');
  const [seats, setSeats] = useState('5');
  const [domain, setDomain] = useState('');
  const [serverName, setServerName] = useState('');
  const [localpart, setLocalpart] = useState('');
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = (event: Event) => {
    event.preventDefault();
    const request: NewSubscription =
      kind === 'hosted_homeserver'
        ? { kind, seats: Number(seats), admin_contact: null, server_name: serverName.trim() || null }
        : kind === 'element_one'
          ? { kind, username: localpart.trim() || null }
          : { kind, seats: Number(seats), web_client_domain: domain.trim() };
    setBusy(true);
    setError(null);
    emsCreateSubscription(accountId, request)
      .then(onCreated, (e: unknown) => setError(toIpcError(e)))
      .finally(() => setBusy(false));
  };

  const banner = bannerError(error, ['seats', 'web_client_domain', 'server_name', 'username']);
  return (
    <form class="card" data-testid="ems-create-subscription" onSubmit={submit}>
      <h3>New subscription</h3>
      {banner && <ErrorBanner error={banner} />}
      <label>
        Kind{' '}
        <select data-testid="ems-new-kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as SubscriptionKind)}>
          <option value="hosted_homeserver">Cloud-hosted homeserver</option>
          <option value="element_one">Element One</option>
          <option value="on_premise">On-Premise licence</option>
        </select>
      </label>
      {kind === 'hosted_homeserver' && (
        <div>
          <label>
            Server name{' '}
            <input
              data-testid="ems-new-server-name"
              placeholder="Leave empty for the next free homeserver"
              value={serverName}
              onInput={(e) => setServerName((e.target as HTMLInputElement).value)}
            />
          </label>
          <p class="hint">The part after the colon in your users' Matrix IDs. It cannot be changed later.</p>
          <FieldError error={error} field="server_name" />
        </div>
      )}
      {kind === 'element_one' ? (
        <div>
          <label>
            User name{' '}
            <input
              data-testid="ems-new-localpart"
              placeholder="Leave empty for your EMS user name"
              value={localpart}
              onInput={(e) => setLocalpart((e.target as HTMLInputElement).value)}
            />
          </label>
          <p class="hint">Your Matrix ID on Element One will be @user name:server.</p>
          <FieldError error={error} field="username" />
        </div>
      ) : (
        <div>
          <label>
            Seats{' '}
            <input data-testid="ems-new-seats" type="number" min={1} value={seats} onInput={(e) => setSeats((e.target as HTMLInputElement).value)} />
          </label>
          <FieldError error={error} field="seats" />
        </div>
      )}
      {kind === 'on_premise' && (
        <div>
          <label>
            Web client sub-domain{' '}
            <input
              data-testid="ems-new-web-client-domain"
              placeholder="chat.example.org"
              value={domain}
              onInput={(e) => setDomain((e.target as HTMLInputElement).value)}
            />
          </label>
          <FieldError error={error} field="web_client_domain" />
        </div>
      )}
      <button type="submit" data-testid="ems-new-submit" disabled={busy}>
        Create
      </button>
    </form>
  );
}
