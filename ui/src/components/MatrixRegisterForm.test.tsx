import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import type { IpcError } from '../bindings';
import { MatrixRegisterForm } from './MatrixRegisterForm';
import { invoke, matrixAccount } from '../test/ipc';

const HS = 'http://127.0.0.1:8448';
const tina = matrixAccount({ id: 'a1', user_id: '@tina:127.0.0.1:8448', homeserver: HS });

describe('creating a Matrix account', () => {
  it('says a closed server is closed before anything is typed', async () => {
    const closed: IpcError = { code: 'matrix_registration_closed', message: 'registration is closed' };
    invoke.mockImplementation(async (command: string) => {
      if (command === 'matrix_register_offer') throw closed;
      return undefined;
    });
    render(<MatrixRegisterForm homeserver={HS} onCreated={() => {}} onCancel={() => {}} />);
    expect((await screen.findByRole('alert')).dataset.code).toBe('matrix_registration_closed');
    expect(screen.queryByTestId('matrix-register-username')).toBeNull();
  });

  it('checks the name, then walks the token stage with its error next to the field', async () => {
    let tokenTries = 0;
    invoke.mockImplementation(async (command: string, args?: Record<string, unknown>) => {
      switch (command) {
        case 'matrix_register_offer':
          return { homeserver_url: HS, stages: ['m.login.registration_token', 'm.login.dummy'] };
        case 'matrix_register_check_username':
          if (args?.username === 'admin') throw { code: 'matrix_username_taken', message: 'taken' };
          return undefined;
        case 'matrix_register_start':
          expect(args).toEqual({ homeserver: HS, username: 'tina', password: 'pw-123456', subscription: null });
          return { id: 'r1', step: { step: 'token' } };
        case 'matrix_register_token':
          tokenTries += 1;
          if (tokenTries === 1) throw { code: 'matrix_registration_token_invalid', message: 'not valid' };
          return { id: 'r1', step: { step: 'done', account: tina } };
        default:
          return undefined;
      }
    });
    const created = vi.fn();
    render(<MatrixRegisterForm homeserver={HS} onCreated={created} onCancel={() => {}} />);
    const name = await screen.findByTestId('matrix-register-username');
    fireEvent.input(name, { target: { value: 'admin' } });
    expect((await screen.findByRole('alert', {}, { timeout: 2000 })).dataset.code).toBe('matrix_username_taken');
    fireEvent.input(name, { target: { value: 'tina' } });
    await screen.findByTestId('matrix-register-username-free', {}, { timeout: 2000 });
    expect(screen.queryByRole('alert')).toBeNull();

    fireEvent.input(screen.getByTestId('matrix-register-password'), { target: { value: 'pw-123456' } });
    fireEvent.input(screen.getByTestId('matrix-register-password-again'), { target: { value: 'pw-12345' } });
    expect((await screen.findByRole('alert')).dataset.code).toBe('password_mismatch');
    expect((screen.getByTestId('matrix-register-submit') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.input(screen.getByTestId('matrix-register-password-again'), { target: { value: 'pw-123456' } });
    fireEvent.click(screen.getByTestId('matrix-register-submit'));

    const token = await screen.findByTestId('matrix-register-token');
    fireEvent.input(token, { target: { value: 'wrong' } });
    fireEvent.click(screen.getByTestId('matrix-register-continue'));
    expect((await screen.findByRole('alert')).dataset.code).toBe('matrix_registration_token_invalid');
    fireEvent.input(token, { target: { value: 'right' } });
    fireEvent.click(screen.getByTestId('matrix-register-continue'));
    await waitFor(() => expect(created).toHaveBeenCalledWith(tina));
    expect(invoke.mock.calls.filter(([c]) => c === 'matrix_register_start')).toHaveLength(1);
  });

  it('needs every policy ticked before going on', async () => {
    invoke.mockImplementation(async (command: string, args?: Record<string, unknown>) => {
      if (command === 'matrix_register_offer') return { homeserver_url: HS, stages: ['m.login.terms'] };
      if (command === 'matrix_register_start')
        return {
          id: 'r2',
          step: {
            step: 'terms',
            policies: [{ id: 'privacy_policy', name: 'Privacy Policy', url: `${HS}/_matrix/consent?v=1.0`, version: '1.0' }],
          },
        };
      if (command === 'matrix_register_accept_terms') {
        expect(args).toEqual({ id: 'r2', accepted: ['privacy_policy'] });
        return { id: 'r2', step: { step: 'done', account: tina } };
      }
      return undefined;
    });
    const created = vi.fn();
    render(<MatrixRegisterForm homeserver={HS} onCreated={created} onCancel={() => {}} />);
    fireEvent.input(await screen.findByTestId('matrix-register-username'), { target: { value: 'tina' } });
    fireEvent.input(screen.getByTestId('matrix-register-password'), { target: { value: 'pw' } });
    fireEvent.input(screen.getByTestId('matrix-register-password-again'), { target: { value: 'pw' } });
    fireEvent.click(screen.getByTestId('matrix-register-submit'));
    const box = await screen.findByTestId('matrix-register-terms-privacy_policy');
    expect((screen.getByTestId('matrix-register-continue') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(box);
    fireEvent.click(screen.getByTestId('matrix-register-continue'));
    await waitFor(() => expect(created).toHaveBeenCalledWith(tina));
  });

  it('ends the registration in progress when the form is left', async () => {
    invoke.mockImplementation(async (command: string) => {
      if (command === 'matrix_register_offer') return { homeserver_url: HS, stages: ['m.login.email.identity'] };
      if (command === 'matrix_register_start') return { id: 'r3', step: { step: 'email' } };
      return undefined;
    });
    const cancelled = vi.fn();
    render(<MatrixRegisterForm homeserver={HS} onCreated={() => {}} onCancel={cancelled} />);
    fireEvent.input(await screen.findByTestId('matrix-register-username'), { target: { value: 'emma' } });
    fireEvent.input(screen.getByTestId('matrix-register-password'), { target: { value: 'pw' } });
    fireEvent.input(screen.getByTestId('matrix-register-password-again'), { target: { value: 'pw' } });
    fireEvent.click(screen.getByTestId('matrix-register-submit'));
    await screen.findByTestId('matrix-register-email');
    fireEvent.click(screen.getByText('Cancel'));
    expect(cancelled).toHaveBeenCalled();
    expect(invoke).toHaveBeenCalledWith('matrix_register_cancel', { id: 'r3' });
  });
});
