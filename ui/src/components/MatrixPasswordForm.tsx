import { useState } from 'preact/hooks';
import { matrixChangePassword } from '../ipc';
import { useAction } from '../useAction';
import { ErrorBanner } from './ErrorBanner';
import { Spinner } from './Progress';

/** Change the password: the current one (which confirms it is you), the new one twice. */
export function MatrixPasswordForm({ accountId }: { accountId: string }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [signOutOthers, setSignOutOthers] = useState(true);
  const [done, setDone] = useState(false);
  const { busy, error, run, setError } = useAction();

  const submit = (event: Event) => {
    event.preventDefault();
    setDone(false);
    if (next !== again) {
      setError({ code: 'matrix_invalid_input', message: 'The two new passwords differ. Type the new password twice.' });
      return;
    }
    if (next === '') {
      setError({ code: 'matrix_invalid_input', message: 'Type a new password.' });
      return;
    }
    // The passwords go to Rust once; the fields are emptied whatever the outcome.
    const typed = { current, next };
    setCurrent('');
    setNext('');
    setAgain('');
    run(() => matrixChangePassword(accountId, typed.current, typed.next, signOutOthers), { done: () => setDone(true) });
  };

  return (
    <section class="card" aria-labelledby="matrix-password-title">
      <h3 id="matrix-password-title">Password</h3>
      <form onSubmit={submit}>
        <label>
          Current password{' '}
          <input type="password" autocomplete="current-password" data-testid="matrix-current-password" value={current} disabled={busy} onInput={(e) => setCurrent(e.currentTarget.value)} />
        </label>
        <label>
          New password{' '}
          <input type="password" autocomplete="new-password" data-testid="matrix-new-password" value={next} disabled={busy} onInput={(e) => setNext(e.currentTarget.value)} />
        </label>
        <label>
          New password again{' '}
          <input type="password" autocomplete="new-password" data-testid="matrix-new-password-again" value={again} disabled={busy} onInput={(e) => setAgain(e.currentTarget.value)} />
        </label>
        <label>
          <input type="checkbox" data-testid="matrix-sign-out-others" checked={signOutOthers} onChange={(e) => setSignOutOthers(e.currentTarget.checked)} /> Sign out every other session
        </label>
        {error && <ErrorBanner error={error} />}
        {done && (
          <p class="status" data-testid="matrix-password-changed">
            Password changed.{signOutOthers ? ' Your other sessions are signed out.' : ''}
          </p>
        )}
        <button type="submit" data-testid="matrix-change-password" disabled={busy || current === ''} aria-busy={busy}>
          {busy && <Spinner />}
          {busy ? 'Changing…' : 'Change password'}
        </button>
      </form>
    </section>
  );
}
