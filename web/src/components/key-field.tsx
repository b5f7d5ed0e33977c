import { useEffect, useRef, useState } from 'preact/hooks';
import { apiKey, onKeyChange, setApiKey } from '../api.js';

/**
 * The API key for admin actions (and for reads when the server requires a key): typed once, kept in
 * this tab's sessionStorage (gone when the tab closes), sent as `Authorization: Bearer …`.
 */
export function KeyField() {
  const [key, setKey] = useState(apiKey());
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => onKeyChange(() => setKey(apiKey())), []);
  useEffect(() => {
    if (open) input.current?.focus();
  }, [open]);
  const save = (e: Event) => {
    e.preventDefault();
    setApiKey(draft);
    setDraft('');
    setOpen(false);
  };
  return (
    <div class="key-field">
      <button
        type="button"
        class="secondary"
        aria-expanded={open}
        aria-controls="key-form"
        onClick={() => setOpen(!open)}
      >
        API key: {key === null ? 'none' : `…${key.slice(-4)}`}
      </button>
      {open && (
        <form id="key-form" class="key-form" onSubmit={save}>
          <label for="api-key">API key (kept in this tab only)</label>
          <input
            id="api-key"
            ref={input}
            type="password"
            autocomplete="off"
            value={draft}
            onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
          />
          <div class="row">
            <button type="submit">Use this key</button>
            <button
              type="button"
              class="secondary"
              onClick={() => {
                setApiKey(null);
                setOpen(false);
              }}
            >
              Forget the key
            </button>
          </div>
          <p class="hint">
            Create one with <code>sporeprint keys create --name ops --role admin</code>.
          </p>
        </form>
      )}
    </div>
  );
}
