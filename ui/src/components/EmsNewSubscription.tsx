import { useState } from 'preact/hooks';
import { emsCreateSubscription, type NewSubscription, type Subscription, type SubscriptionKind } from '../ipc';
import { bannerError, useAction } from '../useAction';
import { ErrorBanner } from './ErrorBanner';
import { Spinner } from './Progress';
import { TextField } from './FieldError';

interface Props {
  accountId: string;
  onCreated: (created: Subscription) => void;
  /** The kind the form opens with (the Element One sign-in asks for Element One). */
  initialKind?: SubscriptionKind | undefined;
}

/** Creates a subscription of any kind; the server's field errors sit by their fields. */
export function EmsNewSubscription({ accountId, onCreated, initialKind = 'hosted_homeserver' }: Props) {
  const [kind, setKind] = useState<SubscriptionKind>(initialKind);
  const [seats, setSeats] = useState('5');
  const [domain, setDomain] = useState('');
  const [serverName, setServerName] = useState('');
  const [localpart, setLocalpart] = useState('');
  const { busy, error, run } = useAction();

  const submit = (event: Event) => {
    event.preventDefault();
    const request: NewSubscription =
      kind === 'hosted_homeserver'
        ? { kind, seats: Number(seats), admin_contact: null, server_name: serverName.trim() || null }
        : kind === 'element_one'
          ? { kind, username: localpart.trim() || null }
          : { kind, seats: Number(seats), web_client_domain: domain.trim() };
    run(() => emsCreateSubscription(accountId, request), { done: onCreated });
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
        <TextField
          label="Server name"
          testId="ems-new-server-name"
          placeholder="Leave empty for the next free homeserver"
          value={serverName}
          onValue={setServerName}
          hint="The part after the colon in your users' Matrix IDs. It cannot be changed later."
          error={error}
          field="server_name"
        />
      )}
      {kind === 'element_one' ? (
        <TextField
          label="User name"
          testId="ems-new-localpart"
          placeholder="Leave empty for your EMS user name"
          value={localpart}
          onValue={setLocalpart}
          hint="Your Matrix ID on Element One will be @user name:server."
          error={error}
          field="username"
        />
      ) : (
        <TextField label="Seats" testId="ems-new-seats" type="number" min={1} value={seats} onValue={setSeats} error={error} field="seats" />
      )}
      {kind === 'on_premise' && (
        <TextField
          label="Web client sub-domain"
          testId="ems-new-web-client-domain"
          placeholder="chat.example.org"
          value={domain}
          onValue={setDomain}
          error={error}
          field="web_client_domain"
        />
      )}
      <button type="submit" data-testid="ems-new-submit" disabled={busy} aria-busy={busy}>
        {busy && <Spinner />}
        Create
      </button>
    </form>
  );
}
