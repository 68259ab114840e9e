/** A server the app was pointed at, or that none is. */
export function Configured({ label, value, testid }: { label: string; value: string | null; testid: string }) {
  return (
    <p class="configured" data-testid={testid}>
      {label}: {value === null ? <em>none configured</em> : <code>{value}</code>}
    </p>
  );
}
