import type { LoginMethods } from '../ipc';

/** The sign-in methods a homeserver offers, and plainly what this version can use. */
export function LoginMethodList({ methods }: { methods: LoginMethods }) {
  const none = !methods.password && methods.sso === null && !methods.oauth;
  return (
    <ul class="login-methods" data-testid="matrix-login-methods">
      {methods.password && <li data-method="password">Password</li>}
      {methods.sso !== null && (
        <li data-method="sso">
          Single sign-on
          {methods.sso.length > 0 && <> with {methods.sso.map((idp) => idp.name).join(', ')}</>}
        </li>
      )}
      {methods.oauth && (
        <li data-method="oauth">OAuth 2.0 (next-generation sign-in, in your browser)</li>
      )}
      {none && <li>This server offers no sign-in method that Element Accounts knows.</li>}
      {!methods.password && !none && <li>Password sign-in is not offered by this server.</li>}
    </ul>
  );
}
