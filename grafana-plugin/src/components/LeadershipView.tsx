import React, { useMemo, useState } from 'react';
import { css, cx } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import { BrokerColumn, CellState, LeadershipViewModel, Level, PartitionRow, ProbeCell } from '../types';
import { EmptyState, Notices } from './EmptyState';
import { levelPalette } from './level-color';

interface Props {
  model: LeadershipViewModel;
  width: number;
  height: number;
  compact: boolean;
  skewWarnPercent: number;
}

type Line = { kind: 'topic'; topic: string; count: number } | { kind: 'partition'; row: PartitionRow };

const OVERSCAN = 8;
const LABEL_WIDTH = 150;
const ISR_WIDTH = 56;

export const CELL_LABELS: Record<CellState, string> = {
  'leader-preferred': 'leader (preferred)',
  leader: 'leader (not preferred)',
  'in-sync': 'in-sync follower',
  'out-of-sync': 'out-of-sync replica',
  offline: 'offline partition',
  unknown: 'replica, state unknown',
  none: 'not a replica',
};
const LEGEND: CellState[] = ['leader-preferred', 'leader', 'in-sync', 'out-of-sync', 'offline'];
const COUNTS_LEGEND: CellState[] = ['leader-preferred', 'leader'];

/**
 * Brokers (columns) x partitions (rows, grouped by topic). Only the rows in view are in the DOM, so a
 * cluster with thousands of partitions costs what a screenful costs. One tooltip for the whole grid,
 * driven by event delegation (no per-cell components).
 */
export function LeadershipView({ model, width, height, compact, skewWarnPercent }: Props) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const [filter, setFilter] = useState('');
  const [scrollTop, setScrollTop] = useState(0);
  const [hover, setHover] = useState<{ line: number; col: number; x: number; y: number } | undefined>();
  const rowHeight = compact ? 16 : 22;

  const lines = useMemo(() => {
    const out: Line[] = [];
    const needle = filter.trim().toLowerCase();
    for (const t of model.topics) {
      if (needle && !t.topic.toLowerCase().includes(needle)) {
        continue;
      }
      out.push({ kind: 'topic', topic: t.topic, count: t.partitions.length });
      for (const row of t.partitions) {
        out.push({ kind: 'partition', row });
      }
    }
    return out;
  }, [model, filter]);

  if (model.mode === 'empty') {
    return <EmptyState message={model.notice ?? 'No data'} />;
  }

  const colors = cellColors(theme);
  // 13 px a line: broker, partitions led, leader skew (+ probe p99, failed · lost)
  const headerHeight = model.probe ? 78 : 44;
  // the body takes what the toolbar, legend and notices leave (flex); for the rows to render, the
  // whole panel height is a safe upper bound of what can be in view
  const bodyHeight = height;
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(lines.length, Math.ceil((scrollTop + bodyHeight) / rowHeight) + OVERSCAN);
  const cellWidth = Math.max(14, Math.floor((width - LABEL_WIDTH - ISR_WIDTH - 16) / Math.max(1, model.brokers.length)));

  const onMove = (e: React.MouseEvent<HTMLDivElement>) => {
    const cell = (e.target as HTMLElement).closest<HTMLElement>('[data-cell]')?.dataset.cell;
    if (cell === undefined) {
      setHover(undefined);
      return;
    }
    const [line, col] = cell.split(':').map(Number);
    const box = e.currentTarget.getBoundingClientRect();
    setHover({ line, col, x: e.clientX - box.left, y: e.clientY - box.top });
  };

  const hovered = hover ? lines[hover.line] : undefined;
  return (
    <div className={styles.root} style={{ width, height }} data-testid="pitower-leadership">
      <div className={styles.toolbar}>
        <div className={styles.summary}>
          <b>{model.totals.partitions}</b> partitions · <Count n={model.totals.offline} label="offline" color={colors.offline} /> ·{' '}
          <Count n={model.totals.underReplicated} label="under-replicated" color={colors['out-of-sync']} /> ·{' '}
          <Count n={model.totals.notPreferred} label="not on preferred leader" color={theme.colors.warning.text} />
        </div>
        <input
          className={styles.filter}
          placeholder="Filter topics"
          value={filter}
          aria-label="Filter topics"
          onChange={(e) => setFilter(e.currentTarget.value)}
        />
      </div>
      <div className={styles.legend} data-testid="pitower-legend">
        {(model.mode === 'counts' ? COUNTS_LEGEND : LEGEND).map((state) => (
          <span key={state} className={styles.legendItem}>
            <span className={styles.swatch} style={cellStyle(state, colors, theme)} />
            {CELL_LABELS[state]}
          </span>
        ))}
      </div>
      <Notices notice={model.notice} warnings={model.warnings} />
      <div className={styles.header} style={{ height: headerHeight }}>
        <div className={cx(styles.label, styles.headLabel)} style={{ width: LABEL_WIDTH }}>
          <div>broker</div>
          <div>partitions led</div>
          <div>leader skew</div>
          {model.probe && (
            <>
              <div className={styles.probeLabel}>probe round trip p99</div>
              <div>failed · lost</div>
            </>
          )}
        </div>
        {model.brokers.map((b) => (
          <BrokerHeader key={b.id} broker={b} width={cellWidth} skewWarnPercent={skewWarnPercent} probe={model.probe} />
        ))}
        <div className={styles.isrHead} style={{ width: ISR_WIDTH }}>
          ISR
        </div>
      </div>
      <div
        className={styles.body}
        style={{ minHeight: rowHeight * 3 }}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        onMouseMove={onMove}
        onMouseLeave={() => setHover(undefined)}
        data-testid="pitower-grid"
      >
        <div style={{ height: lines.length * rowHeight, position: 'relative' }}>
          {lines.slice(first, last).map((line, k) => {
            const index = first + k;
            const top = index * rowHeight;
            if (line.kind === 'topic') {
              return (
                <div key={`t:${line.topic}`} className={styles.topicRow} style={{ top, height: rowHeight }} data-testid="pitower-topic">
                  {line.topic} <span className={styles.muted}>({line.count})</span>
                </div>
              );
            }
            const r = line.row;
            return (
              <div
                key={`p:${r.topic}:${r.partition}`}
                className={cx(styles.row, r.offline && styles.offlineRow)}
                style={{ top, height: rowHeight }}
                data-testid="pitower-partition"
                data-topic={r.topic}
              >
                <div className={styles.label} style={{ width: LABEL_WIDTH }}>
                  {r.partition}
                </div>
                {r.cells.map((state, col) => (
                  <div key={col} className={styles.cellBox} style={{ width: cellWidth }}>
                    {state !== 'none' && (
                      <div
                        className={styles.cell}
                        style={cellStyle(state, colors, theme)}
                        data-cell={`${index}:${col}`}
                        data-state={state}
                      >
                        {(state === 'leader' || state === 'leader-preferred') && rowHeight >= 16 ? 'L' : ''}
                      </div>
                    )}
                  </div>
                ))}
                <div
                  className={cx(styles.isr, r.underReplicated && styles.isrBad)}
                  style={{ width: ISR_WIDTH }}
                  data-cell={`${index}:-1`}
                >
                  {r.offline ? 'offline' : `${r.inSync}/${r.replicas}`}
                </div>
              </div>
            );
          })}
        </div>
        {lines.length === 0 && <div className={styles.noMatch}>No topic matches “{filter}”.</div>}
      </div>
      {hover && hovered && hovered.kind === 'partition' && (
        <div
          className={styles.tooltip}
          style={{ left: Math.min(hover.x + 12, width - 260), top: hover.y + 12 }}
          data-testid="pitower-tooltip"
        >
          <TooltipBody row={hovered.row} broker={hover.col >= 0 ? model.brokers[hover.col] : undefined} col={hover.col} />
        </div>
      )}
    </div>
  );
}

function Count({ n, label, color }: { n: number; label: string; color: string }) {
  return (
    <span style={n > 0 ? { color, fontWeight: 500 } : undefined}>
      {n} {label}
    </span>
  );
}

function BrokerHeader({ broker, width, skewWarnPercent, probe }: { broker: BrokerColumn; width: number; skewWarnPercent: number; probe: boolean }) {
  const styles = useStyles2(getStyles);
  const skewed = Math.abs(broker.skewPercent) > skewWarnPercent;
  const title = [
    `broker ${broker.id}${broker.address ? ` (${broker.address})` : ''}`,
    broker.up === false ? 'reported down' : broker.known ? '' : 'not listed by any broker series',
    `${broker.led} partitions led, ${broker.replicas} replicas`,
    `leader skew ${broker.skewPercent > 0 ? '+' : ''}${broker.skewPercent}%`,
    probe ? toProbeTitle(broker.probe) : '',
  ]
    .filter(Boolean)
    .join('\n');
  return (
    <div className={styles.brokerHead} style={{ width }} title={title} data-testid="pitower-broker">
      <div className={cx(styles.brokerId, broker.up === false && styles.down, !broker.known && styles.unknownBroker)}>
        {broker.known ? '' : '?'}
        {broker.id}
      </div>
      <div className={styles.muted}>{broker.led}</div>
      <div className={skewed ? styles.skewBad : styles.muted}>
        {broker.skewPercent > 0 ? '+' : ''}
        {broker.skewPercent}%
      </div>
      {probe && <ProbeHeader cell={broker.probe} />}
    </div>
  );
}

/**
 * The broker's probe cell: a box tinted by the worst of its levels, holding the round-trip p99 and
 * failed · lost, each coloured by its own level when it is not ok.
 */
function ProbeHeader({ cell }: { cell?: ProbeCell }) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  if (!cell) {
    return (
      <div className={cx(styles.probeBox, styles.muted)} data-testid="pitower-probe" data-level="none">
        <div>–</div>
        <div>–</div>
      </div>
    );
  }
  const box = levelPalette(cell.level, theme);
  const flagged = (level: Level) => (level === 'ok' ? undefined : { color: levelPalette(level, theme).text, fontWeight: theme.typography.fontWeightMedium });
  const count = (n: number, level: Level) => (
    <span className={n > 0 ? undefined : styles.muted} style={n > 0 ? flagged(level) : undefined}>
      {n}
    </span>
  );
  return (
    <div className={styles.probeBox} style={{ background: box.transparent, borderColor: box.border }} data-testid="pitower-probe" data-level={cell.level}>
      <div style={flagged(cell.latencyLevel)}>{cell.p99Seconds === undefined ? 'no reply' : latencyText(cell.p99Seconds)}</div>
      <div>
        {count(cell.failed, cell.failedLevel)}
        <span className={styles.muted}> · </span>
        {count(cell.lost, cell.lostLevel)}
      </div>
    </div>
  );
}

function toProbeTitle(cell?: ProbeCell): string {
  if (!cell) {
    return 'probe: no probe record sent through this broker in the range';
  }
  const p99 = cell.p99Seconds === undefined ? 'no record came back' : `round trip p99 ${latencyText(cell.p99Seconds)} (${cell.received} records back)`;
  return `probe: ${p99}, ${cell.failed} failed sends, ${cell.lost} lost`;
}

/** Seconds as the probe cells show them: ms below 1 s (one decimal below 10 ms), else s (two decimals below 10 s). */
export function latencyText(seconds: number): string {
  if (seconds < 1) {
    const ms = seconds * 1000;
    return `${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
  }
  return `${seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1)} s`;
}

function TooltipBody({ row, broker, col }: { row: PartitionRow; broker?: BrokerColumn; col: number }) {
  return (
    <>
      <div>
        <b>
          {row.topic}/{row.partition}
        </b>
      </div>
      {broker && (
        <div>
          broker {broker.id}
          {broker.address ? ` (${broker.address})` : ''}: {CELL_LABELS[row.cells[col]]}
        </div>
      )}
      <div>leader: {row.leader === undefined ? 'unknown' : row.leader === '-1' ? 'none (offline)' : `broker ${row.leader}`}</div>
      <div>
        in sync: {row.inSync} of {row.replicas}
        {row.underReplicated ? ' — under-replicated' : ''}
      </div>
      {row.preferredLeader === false && <div>leader is not the preferred replica</div>}
    </>
  );
}

export type CellColors = Record<Exclude<CellState, 'none'>, string>;

export function cellColors(theme: GrafanaTheme2): CellColors {
  const v = theme.visualization;
  return {
    'leader-preferred': v.getColorByName('green'),
    leader: v.getColorByName('green'),
    'in-sync': v.getColorByName(theme.isDark ? 'dark-green' : 'super-light-green'),
    'out-of-sync': v.getColorByName('orange'),
    offline: v.getColorByName('red'),
    unknown: theme.colors.text.disabled,
  };
}

function cellStyle(state: CellState, colors: CellColors, theme: GrafanaTheme2): React.CSSProperties {
  if (state === 'none') {
    return {};
  }
  const base: React.CSSProperties = { background: colors[state], color: theme.colors.getContrastText(colors[state]) };
  if (state === 'leader') {
    return { ...base, boxShadow: `inset 0 0 0 2px ${theme.visualization.getColorByName('yellow')}` };
  }
  if (state === 'unknown') {
    return { ...base, opacity: 0.5 };
  }
  return base;
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({
    position: 'relative',
    display: 'flex',
    flexDirection: 'column',
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.primary,
    overflow: 'hidden',
  }),
  toolbar: css({
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'space-between',
    gap: theme.spacing(1),
    height: 28,
  }),
  summary: css({ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }),
  filter: css({
    width: 160,
    height: 24,
    padding: theme.spacing(0, 1),
    background: theme.components.input.background,
    border: `1px solid ${theme.components.input.borderColor}`,
    borderRadius: theme.shape.radius.default,
    color: theme.components.input.text,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  legend: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(1.5), height: 26, alignItems: 'center', overflow: 'hidden' }),
  legendItem: css({ display: 'inline-flex', alignItems: 'center', gap: 4, color: theme.colors.text.secondary }),
  swatch: css({ display: 'inline-block', width: 12, height: 12, borderRadius: 2 }),
  header: css({
    display: 'flex',
    alignItems: 'flex-end',
    borderBottom: `1px solid ${theme.colors.border.medium}`,
    paddingRight: 16,
    flexShrink: 0,
  }),
  headLabel: css({ textAlign: 'right', paddingRight: theme.spacing(1), lineHeight: '13px', paddingBottom: 2, alignSelf: 'flex-end' }),
  brokerHead: css({ textAlign: 'center', lineHeight: '13px', overflow: 'hidden', paddingBottom: 2 }),
  brokerId: css({ fontWeight: theme.typography.fontWeightMedium }),
  down: css({ color: theme.colors.error.text, textDecoration: 'line-through' }),
  unknownBroker: css({ color: theme.colors.warning.text, fontStyle: 'italic' }),
  skewBad: css({ color: theme.colors.warning.text, fontWeight: theme.typography.fontWeightMedium }),
  probeLabel: css({ marginTop: 4 }),
  probeBox: css({
    margin: '3px 3px 0',
    padding: '1px 0',
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  }),
  isrHead: css({ textAlign: 'right', color: theme.colors.text.secondary, paddingBottom: 2 }),
  body: css({ position: 'relative', flex: '1 1 0', overflowY: 'auto', overflowX: 'hidden' }),
  row: css({
    position: 'absolute',
    left: 0,
    right: 0,
    display: 'flex',
    alignItems: 'stretch',
    '&:hover': { background: theme.colors.action.hover },
  }),
  offlineRow: css({ background: theme.colors.error.transparent }),
  topicRow: css({
    position: 'absolute',
    left: 0,
    right: 0,
    display: 'flex',
    alignItems: 'center',
    gap: 4,
    fontWeight: theme.typography.fontWeightMedium,
    background: theme.colors.background.secondary,
    borderTop: `1px solid ${theme.colors.border.weak}`,
    paddingLeft: theme.spacing(0.5),
  }),
  label: css({
    flexShrink: 0,
    paddingLeft: theme.spacing(2),
    color: theme.colors.text.secondary,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    alignSelf: 'center',
  }),
  cellBox: css({ display: 'flex', padding: '1px 2px', flexShrink: 0 }),
  cell: css({
    flex: 1,
    borderRadius: 2,
    fontSize: 10,
    lineHeight: 1,
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    fontWeight: 600,
    cursor: 'default',
  }),
  isr: css({ textAlign: 'right', color: theme.colors.text.secondary, alignSelf: 'center', flexShrink: 0 }),
  isrBad: css({ color: theme.colors.warning.text, fontWeight: theme.typography.fontWeightMedium }),
  muted: css({ color: theme.colors.text.secondary, fontWeight: 'normal' }),
  noMatch: css({ padding: theme.spacing(2), color: theme.colors.text.secondary }),
  tooltip: css({
    position: 'absolute',
    zIndex: 10,
    width: 250,
    pointerEvents: 'none',
    padding: theme.spacing(1),
    background: theme.colors.background.elevated,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    boxShadow: theme.shadows.z3,
    lineHeight: 1.5,
  }),
});
