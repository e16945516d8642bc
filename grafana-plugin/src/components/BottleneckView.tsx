import React from 'react';
import { css, cx } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import { BottleneckViewModel, HostCard } from '../data/to-bottleneck-view-model';
import { Level } from '../types';
import { levelColor } from './level-color';
import { EmptyState, Notices } from './EmptyState';
import type { Verdict } from '@pitower/diagnosis';

interface Props {
  model: BottleneckViewModel;
  width: number;
  height: number;
}

const VERDICT_TITLES: Record<Verdict['kind'], string> = {
  cpu: 'CPU bound',
  io: 'Disk bound',
  thermal: 'Thermal throttling',
  generator: 'Load generator bound',
  concurrency: 'Concurrency limited',
  none: 'No bottleneck',
};

/** The classifier's verdict as a sentence, then one card per host with the bottleneck host highlighted. */
export function BottleneckView({ model, width, height }: Props) {
  const styles = useStyles2(getStyles);
  if (model.mode === 'empty') {
    return <EmptyState message={model.notice ?? 'No data'} />;
  }
  const verdict = model.verdict;
  return (
    <div className={styles.root} style={{ width, height }} data-testid="pitower-bottleneck">
      {verdict ? (
        <div className={cx(styles.verdict, verdict.kind === 'none' ? styles.verdictOk : styles.verdictBad)} data-testid="pitower-verdict">
          <div className={styles.verdictTitle}>
            {VERDICT_TITLES[verdict.kind]}
            {verdict.host ? ` — ${verdict.host}` : ''}
            {verdict.role ? ` (${verdict.role})` : ''}
          </div>
          <div>{verdict.explanation}</div>
        </div>
      ) : (
        <div className={styles.verdict} data-testid="pitower-verdict">
          No verdict: no host has both a CPU series and a producer/broker/database role.
        </div>
      )}
      <Notices warnings={model.warnings} />
      <div className={styles.grid}>
        {model.cards.map((card) => (
          <Card key={card.host} card={card} />
        ))}
      </div>
    </div>
  );
}

function Card({ card }: { card: HostCard }) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  return (
    <div className={cx(styles.card, card.isBottleneck && styles.bottleneck)} data-testid="pitower-host" data-host={card.host}>
      <div className={styles.cardHead}>
        <span className={styles.host}>{card.host}</span>
        <span className={styles.role}>{card.role ?? 'no role'}</span>
      </div>
      {card.isBottleneck && <div className={styles.badge}>bottleneck</div>}
      <Meter label="CPU busy" value={card.cpu} level={card.cpuLevel} theme={theme} />
      <Meter label="Disk busy" value={card.io} level={card.ioLevel} theme={theme} />
      <div className={styles.facts}>
        <span>
          <span className={styles.muted}>temp </span>
          <span style={{ color: levelColor(card.temperatureLevel, theme) }}>
            {card.temperatureCelsius === undefined ? '–' : `${card.temperatureCelsius.toFixed(1)} °C`}
          </span>
        </span>
        <span>
          <span className={styles.muted}>throttled </span>
          <span style={card.throttled ? { color: theme.colors.error.text, fontWeight: 600 } : undefined}>
            {card.throttled === undefined ? '–' : card.throttled ? 'yes' : 'no'}
          </span>
        </span>
      </div>
      {(card.tps !== undefined || card.inflight !== undefined) && (
        <div className={styles.facts}>
          {card.tps !== undefined && (
            <span>
              <span className={styles.muted}>tps </span>
              {card.tps.toFixed(0)}
            </span>
          )}
          {card.inflight !== undefined && (
            <span>
              <span className={styles.muted}>in flight </span>
              {card.inflight.toFixed(0)}
              {card.concurrency !== undefined ? ` / ${card.concurrency.toFixed(0)}` : ''}
            </span>
          )}
        </div>
      )}
    </div>
  );
}

function Meter({ label, value, level, theme }: { label: string; value?: number; level: Level; theme: GrafanaTheme2 }) {
  const styles = useStyles2(getStyles);
  const pct = value === undefined ? undefined : Math.max(0, Math.min(1, value)) * 100;
  return (
    <div className={styles.meter}>
      <div className={styles.meterLabel}>
        <span className={styles.muted}>{label}</span>
        <span>{pct === undefined ? '–' : `${pct.toFixed(0)} %`}</span>
      </div>
      <div className={styles.track}>
        {pct !== undefined && <div className={styles.fill} style={{ width: `${pct}%`, background: levelColor(level, theme) }} />}
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1), overflow: 'auto', color: theme.colors.text.primary }),
  verdict: css({
    padding: theme.spacing(1, 1.5),
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.secondary,
    borderLeft: `4px solid ${theme.colors.border.strong}`,
    lineHeight: 1.5,
  }),
  verdictBad: css({ borderLeftColor: theme.colors.error.main, background: theme.colors.error.transparent }),
  verdictOk: css({ borderLeftColor: theme.colors.success.main, background: theme.colors.success.transparent }),
  verdictTitle: css({ fontSize: theme.typography.h5.fontSize, fontWeight: theme.typography.fontWeightMedium }),
  grid: css({ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(190px, 1fr))', gap: theme.spacing(1) }),
  card: css({
    position: 'relative',
    padding: theme.spacing(1, 1.5),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.secondary,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.75),
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  bottleneck: css({ border: `2px solid ${theme.colors.error.main}`, boxShadow: theme.shadows.z2 }),
  badge: css({
    position: 'absolute',
    top: -9,
    right: 8,
    padding: '0 6px',
    borderRadius: 8,
    background: theme.colors.error.main,
    color: theme.colors.error.contrastText,
    fontSize: 11,
    fontWeight: 600,
  }),
  cardHead: css({ display: 'flex', justifyContent: 'space-between', alignItems: 'baseline', gap: theme.spacing(1) }),
  host: css({ fontWeight: theme.typography.fontWeightMedium, fontSize: theme.typography.body.fontSize, overflow: 'hidden', textOverflow: 'ellipsis' }),
  role: css({
    padding: '0 6px',
    borderRadius: 8,
    border: `1px solid ${theme.colors.border.medium}`,
    color: theme.colors.text.secondary,
  }),
  meter: css({ display: 'flex', flexDirection: 'column', gap: 2 }),
  meterLabel: css({ display: 'flex', justifyContent: 'space-between' }),
  track: css({ height: 6, borderRadius: 3, background: theme.colors.background.canvas, overflow: 'hidden' }),
  fill: css({ height: '100%', borderRadius: 3 }),
  facts: css({ display: 'flex', justifyContent: 'space-between' }),
  muted: css({ color: theme.colors.text.secondary }),
});
