import type { ComponentChildren } from 'preact';

/** A turning circle; decorative, so the text next to it says what is awaited. */
export function Spinner() {
  return <span class="spinner" aria-hidden="true" />;
}

interface Props {
  /** What the app waits for, in words ("Looking for the homeserver…"). */
  children: ComponentChildren;
  testId?: string;
  /** For a line inside a hint: smaller, secondary text. */
  hint?: boolean;
}

/** Long work: a spinner and what it waits for, announced politely to screen readers. */
export function Progress({ children, testId, hint = false }: Props) {
  return (
    <p class={hint ? 'progress hint' : 'progress'} role="status" data-testid={testId}>
      <Spinner />
      <span>{children}</span>
    </p>
  );
}
