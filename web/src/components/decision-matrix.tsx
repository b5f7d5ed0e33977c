import { count } from '../format.js';
import { Num } from './num.js';
import { TableWrap } from './status.js';

/** The three decisions, in the order of every decision matrix. */
export const DECISIONS = ['edible', 'poisonous', 'uncertain'] as const;
export type Decision = (typeof DECISIONS)[number];

/**
 * Two answerers' decisions on the same rows, 3 × 3: `down` answered the row's decision, `across` the
 * column's. The diagonal (they agree) is shaded; the cell where `down` said poisonous and `across`
 * edible — the error that kills, were `across` to answer — is marked.
 */
export function DecisionMatrix({
  down,
  across,
  caption,
  cell,
  src,
}: {
  down: string;
  across: string;
  caption: string;
  cell: (down: Decision, across: Decision) => number;
  src: string;
}) {
  return (
    <TableWrap label={caption}>
      <table class="matrix">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <td />
            {DECISIONS.map((d) => (
              <th scope="col" key={d}>
                {across} {d}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {DECISIONS.map((d) => (
            <tr key={d}>
              <th scope="row">
                {down} {d}
              </th>
              {DECISIONS.map((e) => (
                <td key={e} class={d === e ? 'same' : d === 'poisonous' && e === 'edible' ? 'danger' : ''}>
                  <Num src={src}>{count(cell(d, e))}</Num>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
