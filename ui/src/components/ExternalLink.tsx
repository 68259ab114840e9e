import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { openLink, toIpcError, type IpcError } from '../ipc';
import { ErrorBanner } from './ErrorBanner';

interface Props {
  /** The address, as a server sent it: it is checked on the Rust side before any browser opens. */
  url: string;
  children: ComponentChildren;
  testId?: string;
}

/**
 * A link from server data. It never navigates the webview: a click asks the Rust side's one
 * opener to show the address in the system browser, which refuses anything but https (or http
 * on this computer), and the reason is shown next to the link when it does.
 */
export function ExternalLink({ url, children, testId }: Props) {
  const [error, setError] = useState<IpcError | null>(null);
  const [copyUrl, setCopyUrl] = useState<string | null>(null);
  const open = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setCopyUrl(null);
    try {
      const handoff = await openLink(url);
      if (handoff.browser_error !== null) setCopyUrl(handoff.url);
    } catch (err) {
      setError(toIpcError(err));
    }
  };
  return (
    <>
      <a href="#" class="external" data-testid={testId} data-url={url} onClick={open}>
        {children}
      </a>
      {copyUrl !== null && (
        <span class="hint" data-testid={testId ? `${testId}-copy` : undefined}>
          {' '}
          No browser could be opened; copy this address: <code>{copyUrl}</code>
        </span>
      )}
      {error !== null && <ErrorBanner error={error} />}
    </>
  );
}
