import { describe, expect, it, vi } from 'vitest';
import type { ComponentProps } from 'preact';
import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import type { ElementOneSignedIn } from '../bindings';
import { ElementOneSignIn } from './ElementOneSignIn';
import { invoke, deferred } from '../test/ipc';

const both: ElementOneSignedIn = {
  ems: { id: 'e1', issuer: 'http://127.0.0.1:8480/', email: 'olive@example.org', name: 'Olive', status: 'signed_in' },
  matrix: {
    id: 'm1',
    user_id: '@olive:one.test',
    homeserver: 'http://127.0.0.1:8449',
    display_name: 'Olive',
    session: { state: 'signed_in', device_id: 'D1' },
    subscription: { ems_account: 'e1', subscription_id: 's1' },
  },
};

/** The button of the subscription `s1` at the Element One homeserver, changed by `overrides`. */
function renderSignIn(overrides: Partial<ComponentProps<typeof ElementOneSignIn>> = {}) {
  render(
    <ElementOneSignIn
      issuer="http://127.0.0.1:8480/"
      homeserverUrl="http://127.0.0.1:8449"
      idpId="oidc-ems"
      matrixId="@olive:one.test"
      link={{ ems_account: 'e1', subscription_id: 's1' }}
      testId="ems-element-one-sign-in-s1"
      onSignedIn={() => {}}
      {...overrides}
    />,
  );
}

describe('Sign in with Element One', () => {
  it('starts the bridge for the subscription, shows the address to copy, and reports both accounts', async () => {
    const finish = deferred<ElementOneSignedIn>();
    invoke.mockImplementation(async (command: string, args?: Record<string, unknown>) => {
      if (command === 'element_one_sign_in_start') {
        expect(args).toEqual({
          issuer: 'http://127.0.0.1:8480/',
          homeserver: 'http://127.0.0.1:8449',
          idpId: 'oidc-ems',
          matrixId: '@olive:one.test',
          subscription: { ems_account: 'e1', subscription_id: 's1' },
        });
        return { url: 'http://127.0.0.1:8480/oauth2/authorize?x=1', browser_error: 'no browser' };
      }
      if (command === 'element_one_sign_in_finish') return finish.promise;
      return undefined;
    });
    const signedIn = vi.fn();
    renderSignIn({ onSignedIn: signedIn });
    fireEvent.click(screen.getByTestId('ems-element-one-sign-in-s1'));
    expect((await screen.findByTestId('bridge-url')).textContent).toBe('http://127.0.0.1:8480/oauth2/authorize?x=1');
    expect(screen.getByTestId('bridge-status').textContent).toContain('Waiting for the browser');
    finish.resolve(both);
    await waitFor(() => expect(signedIn).toHaveBeenCalledWith(both));
    expect(screen.queryByTestId('bridge-status')).toBeNull();
  });

  it('says why it failed and offers the button again', async () => {
    invoke.mockImplementation(async (command: string) => {
      if (command === 'element_one_sign_in_start') {
        throw { code: 'ems_unreachable', message: 'Could not reach the EMS server.' };
      }
      return undefined;
    });
    renderSignIn({ issuer: 'http://127.0.0.1:1/' });
    fireEvent.click(screen.getByTestId('ems-element-one-sign-in-s1'));
    expect((await screen.findByTestId('error')).textContent).toContain('Could not reach');
    expect(screen.getByTestId('ems-element-one-sign-in-s1')).toBeTruthy();
  });

  it('starts from the sign-in card without a homeserver, and offers to create a subscription', async () => {
    const started: unknown[] = [];
    invoke.mockImplementation(async (command: string, args?: Record<string, unknown>) => {
      if (command === 'element_one_sign_in_start') {
        started.push(args);
        return { url: 'http://127.0.0.1:8480/oauth2/authorize?x=2', browser_error: null };
      }
      if (command === 'element_one_sign_in_finish') {
        throw { code: 'bridge_no_element_one', message: 'You are signed in to EMS as olive@example.org, but this EMS account has no Element One subscription.' };
      }
      return undefined;
    });
    const noElementOne = vi.fn();
    const changed = vi.fn();
    renderSignIn({
      homeserverUrl: null,
      idpId: null,
      matrixId: null,
      link: null,
      testId: 'element-one-sign-in',
      onNoElementOne: noElementOne,
      onAccountsChanged: changed,
    });
    fireEvent.click(screen.getByTestId('element-one-sign-in'));
    await waitFor(() => expect(noElementOne).toHaveBeenCalledWith(expect.objectContaining({ code: 'bridge_no_element_one' })));
    expect(changed, 'EMS is signed in: the panes reload').toHaveBeenCalled();
    expect(screen.queryByTestId('bridge-finish'), 'nothing to finish: there is no Element One account yet').toBeNull();
    expect(screen.queryByTestId('error'), 'the caller says it, where the signed-in account is').toBeNull();
    expect(started).toEqual([
      { issuer: 'http://127.0.0.1:8480/', homeserver: null, idpId: null, matrixId: null, subscription: null },
    ]);
  });

  it('offers to finish when the browser part failed after the start', async () => {
    let starts = 0;
    invoke.mockImplementation(async (command: string) => {
      if (command === 'element_one_sign_in_start') {
        starts += 1;
        return { url: 'http://127.0.0.1:8449/_matrix/client/v3/login/sso/redirect/oidc-ems?x=1', browser_error: null };
      }
      if (command === 'element_one_sign_in_finish') {
        throw { code: 'matrix_sso_timed_out', message: 'The browser did not come back from the Element One homeserver in time.' };
      }
      return undefined;
    });
    renderSignIn();
    fireEvent.click(screen.getByTestId('ems-element-one-sign-in-s1'));
    fireEvent.click(await screen.findByTestId('bridge-finish'));
    await waitFor(() => expect(starts).toBe(2));
  });

  it('starts by itself once when asked to, without a click', async () => {
    let starts = 0;
    const finish = deferred<ElementOneSignedIn>();
    invoke.mockImplementation(async (command: string) => {
      if (command === 'element_one_sign_in_start') {
        starts += 1;
        return { url: 'http://127.0.0.1:8449/_matrix/client/v3/login/sso/redirect/oidc-ems?x=3', browser_error: null };
      }
      if (command === 'element_one_sign_in_finish') return finish.promise;
      return undefined;
    });
    const signedIn = vi.fn();
    renderSignIn({ autoStart: true, onSignedIn: signedIn });
    expect((await screen.findByTestId('bridge-status')).textContent).toContain('Waiting');
    finish.resolve(both);
    await waitFor(() => expect(signedIn).toHaveBeenCalledWith(both));
    expect(starts, 'started once').toBe(1);
  });
});
