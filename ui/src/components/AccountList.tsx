import type { AccountRecord } from '../ipc';

interface Props {
  accounts: readonly AccountRecord[];
  busy: string | null;
  onRemove: (id: string) => void;
}

const KIND_LABEL = { ems: 'EMS', matrix: 'Matrix' } as const;

/** The accounts sidebar: every account on this computer, each removable. */
export function AccountList({ accounts, busy, onRemove }: Props) {
  return (
    <aside class="sidebar" data-testid="account-list" aria-label="Accounts">
      <h2>Accounts</h2>
      {accounts.length === 0 ? (
        <p class="empty" data-testid="account-list-empty">
          No accounts yet. Sign in to an EMS account from the EMS pane, and to a Matrix account (or
          create one) from the Matrix pane.
        </p>
      ) : (
        <ul class="accounts">
          {accounts.map((account) => (
            <li key={account.id} data-testid={`account-item-${account.id}`}>
              <span class="kind">{KIND_LABEL[account.kind]}</span>
              <span class="name">{account.display_name ?? account.user_id}</span>
              {/* A Matrix account is known by its Matrix ID: shown under the display name. */}
              {account.kind === 'matrix' && account.display_name !== null && account.display_name !== account.user_id && (
                <span class="mxid">{account.user_id}</span>
              )}
              <span class="server">{account.server}</span>
              <button
                type="button"
                data-testid={`account-remove-${account.id}`}
                disabled={busy !== null}
                aria-busy={busy === account.id}
                onClick={() => onRemove(account.id)}
              >
                {busy === account.id ? 'Removing…' : 'Remove from this computer'}
              </button>
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}
