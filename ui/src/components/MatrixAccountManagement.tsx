import { useState } from 'preact/hooks';
import { matrixAccountManageOpen, type ManageAction } from '../ipc';
import { useAction } from '../useAction';
import { ErrorBanner } from './ErrorBanner';

/** The button test id of an action: its short name, and the session's device id for its own. */
export function manageTestId(action: ManageAction, deviceId: string | null = null): string {
  return `matrix-account-manage-${action.name}${deviceId === null ? '' : `-${deviceId}`}`;
}

const LABELS: Record<string, string> = {
  profile: 'Profile and email',
  devices_list: 'All sessions',
  device_view: 'Details',
  device_delete: 'Sign out',
  account_deactivate: 'Deactivate the account',
  cross_signing_reset: 'Reset your identity',
  session_view: 'Details',
  session_end: 'Sign out',
  sessions_list: 'All sessions',
};

const label = (action: ManageAction) => LABELS[action.name] ?? action.name.replaceAll('_', ' ');

interface Props {
  accountId: string;
  actions: ManageAction[];
  /** The session the actions are for (a session's own actions), or null for the account's. */
  deviceId?: string | null;
}

/**
 * Buttons for actions the homeserver's authorization server serves on its account pages: each
 * opens that page in the browser (or shows the address to copy when no browser opened).
 */
export function ManageActionButtons({ accountId, actions, deviceId = null }: Props) {
  const [copy, setCopy] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const open = (action: ManageAction) =>
    run(async () => {
      const handoff = await matrixAccountManageOpen(accountId, action.action, deviceId);
      setCopy(handoff.browser_error === null ? null : handoff.url);
    });
  return (
    <span class="manage-actions">
      {actions.map((action) => (
        <button
          type="button"
          key={action.action}
          data-testid={manageTestId(action, deviceId)}
          disabled={busy}
          onClick={() => open(action)}
        >
          {label(action)}
        </button>
      ))}
      {copy && (
        <span class="hint">
          {' '}
          No browser opened; open this address: <code data-testid="matrix-account-manage-url">{copy}</code>
        </span>
      )}
      {error && <ErrorBanner error={error} />}
    </span>
  );
}

/** The account's own actions at its authorization server, in place of password, email and deactivation. */
export function MatrixAccountManagement({ accountId, actions }: Props) {
  const own = actions.filter((a) => !a.per_device);
  return (
    <section data-testid="matrix-account-management">
      <h4>Account</h4>
      <p class="hint">
        This homeserver manages the password, email addresses and deactivation on its sign-in service. These open
        there, in your browser.
      </p>
      <p class="actions">
        <ManageActionButtons accountId={accountId} actions={own} />
      </p>
    </section>
  );
}
