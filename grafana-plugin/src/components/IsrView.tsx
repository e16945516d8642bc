import React from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, GrafanaTheme2, TimeZone } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import { IsrCounts, IsrEventKind, IsrViewModel } from '../types';
import { EmptyState, Notices } from './EmptyState';

interface Props {
  model: IsrViewModel;
  width: number;
  height: number;
  timeZone?: TimeZone;
  from?: number;
  to?: number;
}

/** Tables list the most recent rows only; the chart and the totals count everything. */
const MAX_ROWS = 200;

const PARTITION_COLUMNS = ['partition', 'shrinks', 'expands', 'leader ch.', 'under-repl.', 'offline', 'brokers out', 'last change'];
const EVENT_COLUMNS = ['time', 'event', 'partition', 'brokers out'];
const EVENT_TEXT: Record<IsrEventKind, string> = { shrink: 'left ISR', expand: 'rejoined ISR', 'leader-change': 'leader changed' };

/** Timeline of under-replicated/offline counts with shrink/expand/leader-change markers, then the partitions involved. */
export function IsrView({ model, width, height, timeZone, from, to }: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  if (model.mode === 'empty') {
    return <EmptyState message={model.notice ?? 'No data'} />;
  }
  const fmt = (t: number, format = 'HH:mm:ss') => dateTimeFormat(t, { format, timeZone });
  const chartHeight = Math.max(90, Math.min(180, Math.round(height * 0.4)));
  const pad = { left: 28, right: 8, top: 8, bottom: 18 };
  const times = model.buckets.map((b) => b.time);
  const t0 = from ?? times[0] ?? 0;
  const t1 = to ?? times[times.length - 1] ?? 1;
  const span = Math.max(1, t1 - t0);
  const plotW = Math.max(10, width - pad.left - pad.right);
  const plotH = chartHeight - pad.top - pad.bottom;
  const maxLevel = Math.max(1, model.totals.maxUnderReplicated, model.totals.maxOffline);
  const x = (t: number) => pad.left + ((t - t0) / span) * plotW;
  const y = (v: number) => pad.top + plotH - (v / maxLevel) * plotH;
  const step = (field: 'underReplicated' | 'offline') => {
    let d = '';
    model.buckets.forEach((b, i) => {
      const next = model.buckets[i + 1]?.time ?? b.time;
      d += `${i === 0 ? 'M' : 'L'}${x(b.time)},${y(b[field])}L${x(next)},${y(b[field])}`;
    });
    return d === '' ? '' : `${d}L${x(times[times.length - 1])},${y(0)}L${x(times[0])},${y(0)}Z`;
  };
  const red = theme.visualization.getColorByName('red');
  const orange = theme.visualization.getColorByName('orange');
  const green = theme.visualization.getColorByName('green');
  const blue = theme.visualization.getColorByName('blue');
  const kindColor: Record<IsrEventKind, string> = { shrink: red, expand: green, 'leader-change': blue };
  // one marker per bucket and kind: shrinks hang from the top (with a rule), expands stand on the axis,
  // leader changes sit below the shrinks
  const markers: Array<{ field: keyof IsrCounts; kind: IsrEventKind; label: string; shape: (cx: number) => string; rule?: boolean }> = [
    { field: 'shrinks', kind: 'shrink', label: 'ISR shrink', shape: (cx) => `M${cx - 5},${pad.top}L${cx + 5},${pad.top}L${cx},${pad.top + 7}Z`, rule: true },
    { field: 'expands', kind: 'expand', label: 'ISR expand', shape: (cx) => `M${cx - 5},${y(0)}L${cx + 5},${y(0)}L${cx},${y(0) - 7}Z` },
    { field: 'leaderChanges', kind: 'leader-change', label: 'leader change', shape: (cx) => `M${cx},${pad.top + 9}L${cx + 4},${pad.top + 13}L${cx},${pad.top + 17}L${cx - 4},${pad.top + 13}Z` },
  ];
  const ticks = Array.from({ length: 5 }, (_, i) => t0 + (span * i) / 4);
  const quiet = model.events.length === 0 && model.partitions.length === 0;

  return (
    <div className={styles.root} style={{ width, height }} data-testid="pitower-isr">
      <div className={styles.summary}>
        <b style={model.totals.shrinks ? { color: red } : undefined}>{model.totals.shrinks}</b> ISR shrinks ·{' '}
        <b style={model.totals.expands ? { color: green } : undefined}>{model.totals.expands}</b> expands ·{' '}
        <b style={model.totals.leaderChanges ? { color: blue } : undefined}>{model.totals.leaderChanges}</b> leader changes · peak{' '}
        <b style={model.totals.maxUnderReplicated ? { color: orange } : undefined}>{model.totals.maxUnderReplicated}</b> under-replicated ·
        peak <b style={model.totals.maxOffline ? { color: red } : undefined}>{model.totals.maxOffline}</b> offline
        {!model.brokersKnown && <span className={styles.muted}> · no replica_in_sync series, brokers out not known</span>}
      </div>
      <Notices warnings={model.warnings} />
      <svg width={width} height={chartHeight} className={styles.chart} data-testid="pitower-isr-chart" role="img" aria-label="ISR timeline">
        <line x1={pad.left} x2={pad.left + plotW} y1={y(0)} y2={y(0)} stroke={theme.colors.border.medium} />
        <text x={pad.left - 4} y={y(maxLevel) + 4} textAnchor="end" className={styles.axis}>
          {maxLevel}
        </text>
        <text x={pad.left - 4} y={y(0)} textAnchor="end" className={styles.axis}>
          0
        </text>
        <path d={step('underReplicated')} fill={orange} fillOpacity={0.35} stroke={orange} strokeWidth={1} data-testid="pitower-isr-urp" />
        <path d={step('offline')} fill={red} fillOpacity={0.45} stroke={red} strokeWidth={1} />
        {markers.map((m) =>
          model.buckets
            .filter((b) => b[m.field] > 0)
            .map((b) => (
              <g key={`${m.kind}${b.time}`} data-testid={`pitower-isr-${m.kind}`}>
                {m.rule && <line x1={x(b.time)} x2={x(b.time)} y1={pad.top} y2={y(0)} stroke={kindColor[m.kind]} strokeDasharray="3 2" />}
                <path d={m.shape(x(b.time))} fill={kindColor[m.kind]}>
                  <title>{`${fmt(b.time)}: ${b[m.field]} ${m.label}${b[m.field] > 1 ? 's' : ''}`}</title>
                </path>
              </g>
            )),
        )}
        {ticks.map((t, i) => (
          <text key={t} x={x(t)} y={chartHeight - 4} textAnchor={i === 0 ? 'start' : i === ticks.length - 1 ? 'end' : 'middle'} className={styles.axis}>
            {fmt(t, 'HH:mm')}
          </text>
        ))}
      </svg>
      <div className={styles.legend}>
        <span style={{ color: orange }}>■</span> under-replicated partitions <span style={{ color: red }}>■</span> offline partitions{' '}
        <span style={{ color: red }}>▼</span> shrink <span style={{ color: green }}>▲</span> expand <span style={{ color: blue }}>◆</span> leader change
      </div>
      {quiet ? (
        <div className={styles.quiet} data-testid="pitower-isr-quiet">
          No ISR or leader change, under-replicated or offline partition in this time range.
        </div>
      ) : (
        <div className={styles.tables}>
          <table className={styles.table} data-testid="pitower-isr-partitions">
            <Head columns={PARTITION_COLUMNS} />
            <tbody>
              {model.partitions.slice(0, MAX_ROWS).map((p) => (
                <tr key={`${p.topic}/${p.partition}`}>
                  <td>
                    {p.topic}/{p.partition}
                  </td>
                  <td>{p.shrinks}</td>
                  <td>{p.expands}</td>
                  <td>{p.leaderChanges}</td>
                  <td>{duration(p.underReplicatedSeconds)}</td>
                  <td className={p.offlineSeconds > 0 ? styles.bad : undefined}>{duration(p.offlineSeconds)}</td>
                  <td>{p.brokers.join(', ') || '–'}</td>
                  <td>{fmt(p.lastTime)}</td>
                </tr>
              ))}
            </tbody>
            <More total={model.partitions.length} colSpan={PARTITION_COLUMNS.length} />
          </table>
          <table className={styles.table} data-testid="pitower-isr-events">
            <Head columns={EVENT_COLUMNS} />
            <tbody>
              {model.events.slice(0, MAX_ROWS).map((e, i) => (
                <tr key={i}>
                  <td>{fmt(e.time)}</td>
                  <td style={{ color: kindColor[e.kind] }}>
                    {EVENT_TEXT[e.kind]}
                    {e.count > 1 ? ` ×${e.count}` : ''}
                  </td>
                  <td>
                    {e.topic}/{e.partition}
                  </td>
                  <td>{e.brokers.join(', ') || '–'}</td>
                </tr>
              ))}
            </tbody>
            <More total={model.events.length} colSpan={EVENT_COLUMNS.length} />
          </table>
        </div>
      )}
    </div>
  );
}

function Head({ columns }: { columns: string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => (
          <th key={c}>{c}</th>
        ))}
      </tr>
    </thead>
  );
}

function More({ total, colSpan }: { total: number; colSpan: number }) {
  const styles = useStyles2(getStyles);
  if (total <= MAX_ROWS) {
    return null;
  }
  return (
    <tfoot>
      <tr>
        <td colSpan={colSpan} className={styles.muted}>
          … and {total - MAX_ROWS} more (narrow the topic filter or the time range)
        </td>
      </tr>
    </tfoot>
  );
}

export function duration(seconds: number): string {
  if (seconds <= 0) {
    return '–';
  }
  if (seconds < 60) {
    return `${Math.round(seconds)}s`;
  }
  if (seconds < 3600) {
    const m = Math.floor(seconds / 60);
    const s = Math.round(seconds % 60);
    return s ? `${m}m${s}s` : `${m}m`;
  }
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return m ? `${h}h${m}m` : `${h}h`;
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({
    display: 'flex',
    flexDirection: 'column',
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.primary,
    overflow: 'hidden',
  }),
  summary: css({ height: 24, lineHeight: '24px', whiteSpace: 'nowrap', overflow: 'hidden' }),
  muted: css({ color: theme.colors.text.secondary }),
  chart: css({ flexShrink: 0, display: 'block' }),
  axis: css({ fill: theme.colors.text.secondary, fontSize: 10 }),
  legend: css({ color: theme.colors.text.secondary, height: 20, whiteSpace: 'pre' }),
  quiet: css({ padding: theme.spacing(2), color: theme.colors.text.secondary, textAlign: 'center' }),
  tables: css({ display: 'flex', gap: theme.spacing(2), overflow: 'auto', flex: 1, alignItems: 'flex-start' }),
  table: css({
    borderCollapse: 'collapse',
    flex: 1,
    'th, td': { padding: theme.spacing(0.25, 0.75), textAlign: 'left', whiteSpace: 'nowrap' },
    th: {
      position: 'sticky',
      top: 0,
      background: theme.colors.background.primary,
      color: theme.colors.text.secondary,
      fontWeight: theme.typography.fontWeightMedium,
      borderBottom: `1px solid ${theme.colors.border.medium}`,
    },
    'tbody tr:nth-of-type(odd)': { background: theme.colors.background.secondary },
  }),
  bad: css({ color: theme.colors.error.text }),
});
