import { useEffect, useState } from 'preact/hooks';
import {
  matrixAvatar,
  matrixProfile,
  matrixRemoveAvatar,
  matrixSetAvatar,
  matrixSetDisplayName,
  toIpcError,
  type AvatarImage,
} from '../ipc';
import { useAction } from '../useAction';
import { ErrorBanner } from './ErrorBanner';
import { Spinner } from './Progress';

interface Props {
  accountId: string;
  /** Called after a change the account list shows (the display name). */
  onChanged: () => void;
}

/** A blob: URL for an image's bytes; the caller revokes it. */
function blobUrl(image: AvatarImage): string {
  return URL.createObjectURL(new Blob([new Uint8Array(image.data)], { type: image.mime }));
}

/** Display name and avatar. The avatar is fetched by the Rust side and shown from a blob: URL. */
export function MatrixProfileEditor({ accountId, onChanged }: Props) {
  const [name, setName] = useState<string | null>(null);
  const [avatarUrl, setAvatarUrl] = useState<string | null>(null);
  const [picked, setPicked] = useState<{ bytes: Uint8Array; url: string } | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const { busy, error, run, setError } = useAction();

  const loadAvatar = () =>
    matrixAvatar(accountId).then(
      (image) => setAvatarUrl(image ? blobUrl(image) : null),
      (e: unknown) => setError(toIpcError(e)),
    );

  useEffect(() => {
    matrixProfile(accountId).then(
      (profile) => setName(profile.display_name ?? ''),
      (e: unknown) => setError(toIpcError(e)),
    );
    loadAvatar();
  }, [accountId]);

  // Blob URLs hold their bytes until revoked.
  useEffect(() => () => {
    if (avatarUrl) URL.revokeObjectURL(avatarUrl);
  }, [avatarUrl]);
  useEffect(() => () => {
    if (picked) URL.revokeObjectURL(picked.url);
  }, [picked]);

  /** Runs a change; `done` says what it did, once it has. */
  const change = (action: () => Promise<void>, done: string) => {
    setSaved(null);
    run(action, { done: () => setSaved(done) });
  };

  const saveName = (event: Event) => {
    event.preventDefault();
    change(async () => {
      await matrixSetDisplayName(accountId, name ?? '');
      onChanged();
    }, 'Display name saved.');
  };

  const pick = (event: Event) => {
    const file = (event.currentTarget as HTMLInputElement).files?.[0];
    if (!file) return;
    file.arrayBuffer().then(
      (buffer) => {
        const bytes = new Uint8Array(buffer);
        setPicked({ bytes, url: URL.createObjectURL(new Blob([bytes], { type: file.type })) });
      },
      (e: unknown) => setError(toIpcError(e)),
    );
  };

  const upload = () => {
    if (!picked) return;
    change(async () => {
      await matrixSetAvatar(accountId, picked.bytes);
      setPicked(null);
      await loadAvatar();
    }, 'Avatar uploaded.');
  };

  const remove = () =>
    change(async () => {
      await matrixRemoveAvatar(accountId);
      setAvatarUrl(null);
    }, 'Avatar removed.');

  return (
    <section class="card" data-testid="matrix-profile" aria-labelledby="matrix-profile-title">
      <h3 id="matrix-profile-title">Profile</h3>
      <form onSubmit={saveName}>
        <label>
          Display name{' '}
          <input
            data-testid="matrix-display-name"
            value={name ?? ''}
            disabled={name === null || busy}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </label>{' '}
        <button type="submit" data-testid="matrix-save-profile" disabled={name === null || busy} aria-busy={busy}>
          {busy && <Spinner />}
          Save
        </button>
      </form>
      <div class="avatar" data-testid="matrix-avatar" data-has-avatar={avatarUrl ? 'true' : 'false'}>
        {avatarUrl ? (
          <img src={avatarUrl} alt="Your avatar" width={64} height={64} data-testid="matrix-avatar-image" />
        ) : (
          <span class="hint">No avatar.</span>
        )}
        {picked && (
          <div>
            <img src={picked.url} alt="The chosen image" width={64} height={64} data-testid="matrix-avatar-preview" />
            <button type="button" data-testid="matrix-avatar-upload" disabled={busy} onClick={upload}>
              Upload this image
            </button>
            <button type="button" disabled={busy} onClick={() => setPicked(null)}>
              Cancel
            </button>
          </div>
        )}
        <label>
          Choose an image{' '}
          <input type="file" accept="image/png,image/jpeg,image/gif,image/webp" data-testid="matrix-avatar-file" onChange={pick} />
        </label>
        {avatarUrl && (
          <button type="button" data-testid="matrix-avatar-remove" disabled={busy} onClick={remove}>
            Remove avatar
          </button>
        )}
      </div>
      {saved && (
        <p class="status" data-testid="matrix-profile-saved">
          {saved}
        </p>
      )}
      {error && <ErrorBanner error={error} />}
    </section>
  );
}
