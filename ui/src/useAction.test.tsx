import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { useState } from 'preact/hooks';
import type { IpcError } from './bindings';
import { bannerError, fieldError, fieldOf, useAction, type Outcome } from './useAction';
import { deferred } from './test/ipc';

/** A button that runs whatever action the test hands it, and shows the hook's state. */
function Harness({ next, outcomes }: { next: () => Promise<string>; outcomes: Outcome<string>[] }) {
  const action = useAction();
  return (
    <div>
      <button type="button" data-testid="go" disabled={action.busy} onClick={async () => outcomes.push(await action.run(next))}>
        Go
      </button>
      <button type="button" data-testid="local" onClick={() => action.setError({ code: 'matrix_invalid_input', message: 'local' })}>
        Local
      </button>
      {action.error && (
        <p role="alert" data-code={action.error.code}>
          {action.error.message}
        </p>
      )}
    </div>
  );
}

const go = () => screen.getByTestId('go') as HTMLButtonElement;

describe('useAction', () => {
  it('is busy while the action runs, keeps its error until the next run, and returns the outcome', async () => {
    const outcomes: Outcome<string>[] = [];
    let pending = deferred<string>();
    render(<Harness next={() => pending.promise} outcomes={outcomes} />);
    expect(go().disabled).toBe(false);

    fireEvent.click(go());
    await waitFor(() => expect(go().disabled).toBe(true));
    const refused: IpcError = { code: 'ems_refused', message: 'no' };
    pending.reject(refused);
    await waitFor(() => expect(go().disabled).toBe(false));
    expect(screen.getByRole('alert').dataset.code).toBe('ems_refused');
    expect(outcomes).toEqual([{ ok: false, error: refused }]);

    // The next run clears the error as it starts, and a success leaves none.
    pending = deferred<string>();
    fireEvent.click(go());
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    expect(go().disabled).toBe(true);
    pending.resolve('done');
    await waitFor(() => expect(go().disabled).toBe(false));
    expect(outcomes[1]).toEqual({ ok: true, value: 'done' });
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('turns anything thrown into an IpcError', async () => {
    const outcomes: Outcome<string>[] = [];
    render(<Harness next={() => Promise.reject(new Error('boom'))} outcomes={outcomes} />);
    fireEvent.click(go());
    const alert = await screen.findByRole('alert');
    expect(alert.dataset.code).toBe('internal');
    expect(alert.textContent).toContain('boom');
    expect(outcomes[0]?.ok).toBe(false);
  });

  it('shows an error set without running anything', async () => {
    render(<Harness next={() => Promise.resolve('')} outcomes={[]} />);
    fireEvent.click(screen.getByTestId('local'));
    expect((await screen.findByRole('alert')).textContent).toBe('local');
    expect(go().disabled).toBe(false);
  });
});

/** Records every render's busy flag and whether the handler has run yet. */
function Ordered({ renders }: { renders: { busy: boolean; handled: boolean }[] }) {
  const action = useAction();
  const [handled, setHandled] = useState(false);
  renders.push({ busy: action.busy, handled });
  return (
    <button
      type="button"
      data-testid="go"
      disabled={action.busy}
      onClick={() => action.run(() => Promise.resolve('x'), { done: () => setHandled(true) })}
    >
      Go
    </button>
  );
}

describe('useAction with handlers', () => {
  it('renders what the handler changed while still busy, then ends busy', async () => {
    const renders: { busy: boolean; handled: boolean }[] = [];
    render(<Ordered renders={renders} />);
    fireEvent.click(go());
    await waitFor(() => expect(renders.at(-1)).toEqual({ busy: false, handled: true }));
    expect(renders).toContainEqual({ busy: true, handled: true });
    expect(renders.findIndex((r) => r.handled)).toBeLessThan(renders.findIndex((r) => r.handled && !r.busy));
  });
});

describe('the field an error belongs to', () => {
  const emsField: IpcError = { code: 'ems_invalid_field', message: 'bad country', field: 'country' };
  const taken: IpcError = { code: 'matrix_username_taken', message: 'taken' };
  const other: IpcError = { code: 'ems_unreachable', message: 'down' };

  it('is the field the EMS API named, or the one a registration code stands for', () => {
    expect(fieldOf(emsField)).toBe('country');
    expect(fieldOf(taken)).toBe('username');
    expect(fieldOf(other)).toBeNull();
    expect(fieldOf(null)).toBeNull();
    expect(fieldError(emsField, 'country')).toBe(emsField);
    expect(fieldError(emsField, 'city')).toBeNull();
    expect(fieldError(taken, 'username')).toBe(taken);
  });

  it('keeps an error out of the banner only when the form shows it by a field', () => {
    expect(bannerError(emsField, ['country'])).toBeNull();
    expect(bannerError(emsField, ['city'])).toBe(emsField);
    expect(bannerError(taken, ['username'])).toBeNull();
    expect(bannerError(other, ['username'])).toBe(other);
    expect(bannerError(null, ['username'])).toBeNull();
  });
});
