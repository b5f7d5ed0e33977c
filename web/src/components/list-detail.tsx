import type { ComponentChildren } from 'preact';
import { href } from '../router.js';

/**
 * A page of things (`#/<page>`) and of one of them (`#/<page>/<id>`): its heading, a link back to the
 * list on the detail page, and the list or the detail.
 */
export function ListDetailPage({
  page,
  id,
  title,
  detailTitle,
  back,
  list,
  detail,
}: {
  page: string;
  id: string | undefined;
  title: string;
  detailTitle: (id: string) => string;
  /** The link back to the list, e.g. "All experiments". */
  back: string;
  list: () => ComponentChildren;
  detail: (id: string) => ComponentChildren;
}) {
  return (
    <section aria-labelledby={`${page}-title`}>
      <h1 id={`${page}-title`}>{id === undefined ? title : detailTitle(id)}</h1>
      {id === undefined ? (
        list()
      ) : (
        <>
          <p>
            <a href={href(page)}>← {back}</a>
          </p>
          {detail(id)}
        </>
      )}
    </section>
  );
}
