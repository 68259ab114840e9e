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
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = (event: Event) => {
    event.preventDefault();
    const request: NewSubscription =
      kind === 'hosted_homeserver'
        ? { kind, seats: Number(seats), admin_contact: null }
        : kind === 'element_one'
          ? { kind }
          : { kind, seats: Number(seats), web_client_domain: domain };
    setBusy(true);
    setError(null);
    emsCreateSubscription(accountId, request)
      .then(onCreated, (e: unknown) => setError(toIpcError(e)))
      .finally(() => setBusy(false));
  };

  const banner = bannerError(error, ['seats', 'web_client_domain']);
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
      {kind === 'element_one' ? (
        <p class="hint">Your Matrix ID will be your EMS user name on the Element One homeserver.</p>
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
              data-testid="ems-new-server-name"
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
