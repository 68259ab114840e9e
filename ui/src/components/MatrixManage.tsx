import { useEffect, useState } from 'preact/hooks';
import { matrixAccountManagement, type AccountManagement, type MatrixAccountView, type UiaAnswer, type UiaStep } from '../ipc';
import { MatrixAccountManagement } from './MatrixAccountManagement';
import { MatrixDeactivate } from './MatrixDeactivate';
import { MatrixDevices } from './MatrixDevices';
import { MatrixPasswordForm } from './MatrixPasswordForm';
import { MatrixProfileEditor } from './MatrixProfileEditor';
import { MatrixThreepids } from './MatrixThreepids';
import { UiaPrompt, type PendingAuth } from './UiaPrompt';

/**
 * Runs a protected action: sends it without auth; when the server asks for re-authentication,
 * the prompt takes over and retries it. Resolves once the action is done or the prompt is open;
 * rejects with the first call's failure. `sso` starts the same action confirmed through single
 * sign-on instead (for accounts without a password, or when the person prefers it).
 */
export type Protect = (
  title: string,
  action: (auth: UiaAnswer | null) => Promise<UiaStep>,
  onDone: () => void,
  sso?: () => Promise<UiaStep>,
) => Promise<void>;

interface Props {
  account: MatrixAccountView;
  /** Called after a change the account list shows (display name, removal). */
  onChanged: () => void;
  onClose: () => void;
}

/** Everything Element's account settings offer, for one signed-in account. */
export function MatrixManage({ account, onChanged, onClose }: Props) {
  const [pending, setPending] = useState<(PendingAuth & { onDone: () => void }) | null>(null);
  // `undefined` while asked; `null` when the homeserver does not delegate account management.
  const [delegated, setDelegated] = useState<AccountManagement | null | undefined>(undefined);

  useEffect(() => {
    setDelegated(undefined);
    matrixAccountManagement(account.id).then(
      (management) => setDelegated(management ?? null),
      () => setDelegated(null),
    );
  }, [account.id]);

  const protect: Protect = (title, action, onDone, sso) =>
    action(null).then((step) => {
      if (step.status === 'done') onDone();
      else if (step.status === 'auth_required') setPending({ title, challenge: step.challenge, retry: action, sso, onDone });
    });

  return (
    <div class="manage" data-testid="matrix-manage" aria-label={`Manage ${account.user_id}`}>
      <h3>
        Manage <code>{account.user_id}</code>{' '}
        <button type="button" data-testid="matrix-manage-close" onClick={onClose}>
          Close
        </button>
      </h3>
      {pending && (
        <UiaPrompt
          key={pending.challenge.session ?? pending.title}
          pending={pending}
          onDone={() => {
            const done = pending.onDone;
            setPending(null);
            done();
          }}
          onCancel={() => setPending(null)}
        />
      )}
      <MatrixProfileEditor accountId={account.id} onChanged={onChanged} />
      <MatrixDevices accountId={account.id} protect={protect} delegated={delegated?.actions ?? null} />
      {delegated && <MatrixAccountManagement accountId={account.id} actions={delegated.actions} />}
      {delegated === null && (
        <>
          <MatrixPasswordForm accountId={account.id} />
          <MatrixThreepids accountId={account.id} />
          <MatrixDeactivate
            accountId={account.id}
            userId={account.user_id}
            protect={protect}
            onDeactivated={() => {
              onChanged();
              onClose();
            }}
          />
        </>
      )}
    </div>
  );
}
