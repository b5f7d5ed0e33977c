import { useEffect } from 'preact/hooks';
import { KeyField } from './components/key-field.js';
import { type LiveStatus, startLive, useLive } from './live.js';
import { ClassifyPage } from './pages/classify.js';
import { DataPage } from './pages/data.js';
import { ExperimentsPage } from './pages/experiments.js';
import { ModelsPage } from './pages/models.js';
import { MonitoringPage } from './pages/monitoring.js';
import { OverviewPage } from './pages/overview.js';
import { PipelinesPage } from './pages/pipelines.js';
import { href, useRoute } from './router.js';

const PAGES = [
  { path: '', title: 'Overview' },
  { path: 'models', title: 'Models' },
  { path: 'experiments', title: 'Experiments' },
  { path: 'monitoring', title: 'Monitoring' },
  { path: 'pipelines', title: 'Pipelines' },
  { path: 'data', title: 'Data' },
  { path: 'classify', title: 'Classify' },
] as const;

function statusText(s: LiveStatus): string {
  switch (s.kind) {
    case 'connecting':
      return 'Connecting…';
    case 'live':
      return 'Live';
    case 'reconnecting':
      return `Reconnecting… (${s.reason})`;
    case 'refused':
      return `Live updates refused: ${s.message}`;
  }
}

/** The connection's state, always visible: a lost server shows as reconnecting, never as a blank page. */
function Connection() {
  const { status, problem } = useLive();
  return (
    <p class={`connection connection-${status.kind}`} role="status" data-connection={status.kind}>
      <span class="dot" aria-hidden="true" />
      {statusText(status)}
      {problem !== null && status.kind === 'live' ? ` (last read failed: ${problem})` : ''}
    </p>
  );
}

function Page({ parts }: { parts: readonly string[] }) {
  const [page, ...rest] = parts;
  switch (page ?? '') {
    case '':
      return <OverviewPage />;
    case 'models':
      return <ModelsPage parts={rest} />;
    case 'experiments':
      return <ExperimentsPage parts={rest} />;
    case 'monitoring':
      return <MonitoringPage parts={rest} />;
    case 'pipelines':
      return <PipelinesPage parts={rest} />;
    case 'data':
      return <DataPage parts={rest} />;
    case 'classify':
      return <ClassifyPage />;
    default:
      return (
        <section>
          <h1>No such page</h1>
          <p>
            <a href={href()}>Go to the Overview</a>.
          </p>
        </section>
      );
  }
}

/** The dashboard: navigation, the connection's state, the API key, and the current page. */
export function App() {
  const { parts } = useRoute();
  const current = parts[0] ?? '';
  const title = PAGES.find((p) => p.path === current)?.title ?? 'sporeprint';
  useEffect(() => startLive(), []);
  useEffect(() => {
    document.title = `${title} · sporeprint`;
  }, [title]);
  return (
    <>
      <button type="button" class="skip" onClick={() => document.getElementById('content')?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <div class="brand">
          <span class="logo" aria-hidden="true">
            ◍
          </span>
          sporeprint
        </div>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.path}>
                <a
                  href={href(...(p.path === '' ? [] : [p.path]))}
                  aria-current={p.path === current ? 'page' : undefined}
                >
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="tools">
          <Connection />
          <KeyField />
        </div>
      </header>
      <main id="content" tabIndex={-1}>
        <Page parts={parts} />
      </main>
      <footer class="foot">
        <p>
          Every number links to the API call it came from. API documentation: <a href="/docs">/docs</a>.
        </p>
      </footer>
    </>
  );
}
