import { useState } from 'preact/hooks';
import { apiPost, errorText } from '../api.js';

/** One admin action as a form: a reason (recorded in the history), an optional force, then the call. */
export function ActionForm({
  title,
  path,
  body,
  canForce,
  askReason = true,
  onDone,
  onCancel,
}: {
  /** What the action does, e.g. "Promote v3 to Production". */
  title: string;
  path: string;
  body: Record<string, unknown>;
  /** Offer "force" (a reason is then required). */
  canForce: boolean;
  /** Ask for a reason (false: the action records none, e.g. a pipeline retry). */
  askReason?: boolean;
  onDone: (message: string) => void;
  onCancel: () => void;
}) {
  const [reason, setReason] = useState('');
  const [force, setForce] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (force && reason.trim() === '') {
      setError('A forced action needs a reason: it is recorded in the history.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await apiPost(path, {
        ...body,
        ...(reason.trim() === '' ? {} : { reason: reason.trim() }),
        ...(force ? { force: true } : {}),
      });
      onDone(`${title}: done.`);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const id = path.replace(/[^a-z0-9]+/gi, '-');
  return (
    <form class="action-form" onSubmit={submit} aria-label={title}>
      <h3>{title}</h3>
      {askReason && (
        <>
          <label for={`${id}-reason`}>
            Reason (recorded in the history{force ? ', required' : ', optional'})
          </label>
          <input
            id={`${id}-reason`}
            type="text"
            maxLength={1000}
            value={reason}
            onInput={(e) => setReason((e.target as HTMLInputElement).value)}
          />
        </>
      )}
      {canForce && (
        <label class="check">
          <input
            type="checkbox"
            checked={force}
            onChange={(e) => setForce((e.target as HTMLInputElement).checked)}
          />{' '}
          Force (override the quality gate or the stage rule; recorded)
        </label>
      )}
      {error !== null && (
        <div class="error-box" role="alert">
          {error}
        </div>
      )}
      <div class="row">
        <button type="submit" disabled={busy}>
          {busy ? 'Working…' : 'Confirm'}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <p class="hint">
        Needs an admin API key. Calls <code>POST {path}</code>.
      </p>
    </form>
  );
}
